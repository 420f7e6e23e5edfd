"""A Shopify Store's connection in words and a colour, for Account Health and the workspace. Pure.

An access token that lapses is no concern: it is renewed (client credentials every 24 hours, the
authorization code grant's every 60 minutes). What needs a person: a store Shopify no longer lets
us renew (Reconnect Needed), a store never connected, and a refresh token close to its 90 days
(it rotates on every use, so it lapses only for a store idle that long).
"""

from datetime import datetime, timedelta

from erp_connectors.connectors.health import GREEN, ORANGE, RED
from erp_connectors.shopify_connector.auth import AUTHORIZATION_CODE, CLIENT_CREDENTIALS
from erp_connectors.shopify_connector.auth import LEGACY_TOKEN as LEGACY

REFRESH_WARNING = timedelta(days=14)


def connection_state(store: dict, now: datetime, has_legacy_token: bool) -> tuple[str, str]:
	"""(level, text). `now` and the store's datetimes are naive UTC, as the store keeps them."""
	method = store.get("connection_method") or LEGACY
	status = store.get("connection_status") or "Not Connected"
	if method == LEGACY:
		if not has_legacy_token:
			return RED, "No Admin API access token"
		return GREEN, "Admin API access token (legacy)"
	if status == "Reconnect Needed":
		return RED, "Reconnect Needed: Shopify no longer renews this store's token"
	if status != "Connected":
		return (ORANGE if method == CLIENT_CREDENTIALS else RED), "Not connected yet"
	access = store.get("token_expires_at")
	text = f"Connected; access token renewed before {access:%Y-%m-%d %H:%M} UTC" if access else "Connected"
	refresh = store.get("refresh_token_expires_at")
	if method == AUTHORIZATION_CODE and refresh:
		if refresh <= now:
			return RED, f"Refresh token lapsed on {refresh:%Y-%m-%d}: reconnect"
		if refresh - now <= REFRESH_WARNING:
			return ORANGE, f"Refresh token lapses on {refresh:%Y-%m-%d} unless the store is used"
		text += f"; refresh token until {refresh:%Y-%m-%d}"
	return GREEN, text
