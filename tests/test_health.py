"""The Account Health verdict and a Shopify Store's connection in words."""

from datetime import datetime, timedelta

import pytest

from erp_connectors.connectors.health import GREEN, GREY, ORANGE, RED, Figures, assess
from erp_connectors.shopify_connector.connection_state import connection_state

NOW = datetime(2026, 12, 4, 9, 0)


def test_nothing_wrong_is_green_with_no_reasons():
	assert assess(
		Figures(queued=3, oldest_backlog=NOW - timedelta(minutes=2), last_call_status=200), NOW
	) == (
		GREEN,
		[],
	)


def test_a_disabled_account_is_grey_whatever_it_holds():
	assert assess(Figures(enabled=False, dead=4), NOW) == (GREY, ["Disabled"])


def test_dead_events_and_a_refused_call_are_red_and_listed_first():
	level, reasons = assess(Figures(held=2, dead=1, last_call_status=401), NOW)
	assert level == RED
	assert reasons == ["1 dead event(s) to retry", "Last call failed (401)", "2 held event(s) to fix"]


@pytest.mark.parametrize("status, level", [(0, RED), (500, RED), (403, RED), (422, ORANGE), (429, ORANGE)])
def test_the_last_call_s_failure_by_kind(status, level):
	assert assess(Figures(last_call_status=status), NOW)[0] == level


def test_a_backlog_waiting_too_long_is_orange():
	level, reasons = assess(Figures(failed=1, queued=1, oldest_backlog=NOW - timedelta(minutes=40)), NOW)
	assert level == ORANGE
	assert reasons == ["1 event(s) failing, retried with backoff", "Backlog waiting for 40 minutes"]


def test_the_connection_s_own_state_counts():
	assert assess(Figures(token_level=RED, token_text="Reconnect Needed"), NOW) == (RED, ["Reconnect Needed"])


AUTH_CODE = "Connect to Shopify (authorization code)"


@pytest.mark.parametrize(
	"store, legacy_token, expected",
	[
		(
			{"connection_method": "Admin API access token (legacy)"},
			True,
			(GREEN, "Admin API access token (legacy)"),
		),
		({"connection_method": "Admin API access token (legacy)"}, False, (RED, "No Admin API access token")),
		(
			{"connection_method": AUTH_CODE, "connection_status": "Reconnect Needed"},
			False,
			(RED, "Reconnect Needed: Shopify no longer renews this store's token"),
		),
		(
			{
				"connection_method": "Dev Dashboard app (client credentials)",
				"connection_status": "Not Connected",
			},
			False,
			(ORANGE, "Not connected yet"),
		),
		(
			{
				"connection_method": AUTH_CODE,
				"connection_status": "Connected",
				"token_expires_at": NOW + timedelta(minutes=30),
				"refresh_token_expires_at": NOW + timedelta(days=5),
			},
			False,
			(ORANGE, "Refresh token lapses on 2026-12-09 unless the store is used"),
		),
		(
			{
				"connection_method": AUTH_CODE,
				"connection_status": "Connected",
				"token_expires_at": NOW + timedelta(minutes=30),
				"refresh_token_expires_at": NOW - timedelta(days=1),
			},
			False,
			(RED, "Refresh token lapsed on 2026-12-03: reconnect"),
		),
		(
			{
				"connection_method": AUTH_CODE,
				"connection_status": "Connected",
				"token_expires_at": NOW + timedelta(minutes=30),
				"refresh_token_expires_at": NOW + timedelta(days=80),
			},
			False,
			(
				GREEN,
				"Connected; access token renewed before 2026-12-04 09:30 UTC; refresh token until 2027-02-22",
			),
		),
	],
)
def test_connection_state(store, legacy_token, expected):
	assert connection_state(store, NOW, legacy_token) == expected
