"""The Frappe half of auth: each store's tokens kept fresh under a lock, and Connect to Shopify.

Tokens live on the Shopify Store: the issued access token and the refresh token in Password fields,
their expiry times and the granted scopes beside them. They are read and written on a database
connection of their own, committed at once, never in the caller's transaction:
- Shopify rotates the refresh token on every use. Were the new pair written in a sync's transaction
  and that sync then rolled back, the pair Shopify now honours would be lost with it.
- A renewal locks the store's row on that connection (SELECT ... FOR UPDATE): one renewal per store
  at a time across every worker and machine. Whoever waited reads the pair the winner committed (a
  fresh transaction, so no stale snapshot) and uses it instead of renewing again.
So no code may write the Shopify Store row and then call Shopify in one transaction: the renewal
would wait for its own caller's lock (it gives up after LOCK_WAIT seconds, as a retryable error).
"""

import secrets
from contextlib import contextmanager
from datetime import timezone

import frappe
from frappe import _
from frappe.utils import get_url, now_datetime
from frappe.utils.password import get_decrypted_password, remove_encrypted_password, set_encrypted_password

from erp_connectors.connectors import call_log, site_policy
from erp_connectors.connectors.errors import NeedsAttention, TransientError
from erp_connectors.connectors.redaction import secret
from erp_connectors.shopify_connector.auth import (
	AUTHORIZATION_CODE,
	CLIENT_CREDENTIALS,
	LEGACY_TOKEN,
	ReconnectRequired,
	ShopifyAuth,
	TokenPair,
	utcnow,
)
from erp_connectors.shopify_connector.graphql_client import HOSTS
from erp_connectors.shopify_connector.scopes import needed_scopes

DOCTYPE = "Shopify Store"
LOCK_WAIT = 45  # seconds; a token request takes at most the HTTP timeout (5 s + 30 s)
STATE_SECONDS = 600  # how long a Connect to Shopify may take
CALLBACK_PATH = "/api/method/erp_connectors.shopify_connector.auth_sync.oauth_callback"
TOKEN_STATE = ("token_expires_at", "refresh_token_expires_at", "granted_scopes", "connection_status")
CONNECTED, RECONNECT, NOT_CONNECTED = "Connected", "Reconnect Needed", "Not Connected"


def shopify_auth(store) -> ShopifyAuth:
	return ShopifyAuth(
		store.shop_domain,
		store.client_id,
		secret(store.get_password("client_secret", raise_exception=False)),
		base_url=store.base_url or None,
		policy=site_policy.policy("Shopify", HOSTS),
		log_call=call_log.sink_for(DOCTYPE, store.name),
	)


@contextmanager
def token_connection():
	"""A database connection of its own for the token pair (see the module's note)."""
	from frappe.database import get_db

	conf = frappe.local.conf
	db = get_db(
		socket=conf.db_socket,
		host=conf.db_host,
		port=conf.db_port,
		user=conf.db_name,
		password=conf.db_password,
		cur_db_name=conf.db_name,
	)
	db.connect()
	try:
		db.sql(f"set session innodb_lock_wait_timeout = {LOCK_WAIT}")
		yield db
	finally:
		try:
			db.rollback()
		finally:
			db.close()


@contextmanager
def using(db):
	"""Run frappe.db helpers (passwords, get_value, set_value) on `db` for a moment."""
	main = frappe.local.db
	frappe.local.db = db
	try:
		yield
	finally:
		frappe.local.db = main


def read_pair(db, store: str, lock: bool = False) -> TokenPair:
	with using(db):
		if lock:
			try:
				db.sql(f"select name from `tab{DOCTYPE}` where name = %s for update", store)
			except frappe.QueryTimeoutError as error:
				raise TransientError(f"Another worker held {store}'s token lock too long") from error
		row = db.get_value(DOCTYPE, store, ["token_expires_at", "refresh_token_expires_at", "granted_scopes"])
		expires, refresh_expires, scopes = row or (None, None, "")
		return TokenPair(
			secret(
				get_decrypted_password(DOCTYPE, store, "issued_access_token", raise_exception=False) or ""
			),
			_aware(expires),
			secret(get_decrypted_password(DOCTYPE, store, "refresh_token", raise_exception=False)) or None,
			_aware(refresh_expires),
			scopes or "",
		)


def write_pair(db, store: str, pair: TokenPair):
	"""The new pair, all of it in one transaction on the token connection, committed at once."""
	with using(db):
		set_encrypted_password(DOCTYPE, store, pair.access_token, "issued_access_token")
		if pair.refresh_token:
			set_encrypted_password(DOCTYPE, store, pair.refresh_token, "refresh_token")
		else:
			remove_encrypted_password(DOCTYPE, store, "refresh_token")
		db.set_value(
			DOCTYPE,
			store,
			{
				"token_expires_at": _naive(pair.expires_at),
				"refresh_token_expires_at": _naive(pair.refresh_expires_at),
				"granted_scopes": pair.scope,
				"connection_status": CONNECTED,
				"connected_at": now_datetime(),
			},
			update_modified=False,
		)
		db.commit()


def set_state(store: str, **values):
	"""Store fields the token machinery keeps (status, the API version answered), committed at once."""
	with token_connection() as db, using(db):
		db.set_value(DOCTYPE, store, values, update_modified=False)
		db.commit()


class StoreTokens:
	"""A store's access token for ShopifyGraphQL: renewed before it lapses, and once after a 401."""

	def __init__(self, store):
		self.store = store
		self.method = store.connection_method or LEGACY_TOKEN
		self.pair: TokenPair | None = None

	def access_token(self) -> str:
		if self.method == LEGACY_TOKEN:
			token = self.store.get_password("access_token", raise_exception=False)
			if not token:
				raise NeedsAttention(f"Shopify Store {self.store.name} has no Admin API access token.")
			return secret(token)
		now = utcnow()
		if self.pair is None or self.pair.needs_renewal(now):
			with token_connection() as db:
				self.pair = read_pair(db, self.store.name)
		if self.pair.needs_renewal(now):
			return self.renew(self.pair.access_token)
		return self.pair.access_token

	def renew(self, stale: str) -> str | None:
		"""A token other than `stale`: the one another worker just obtained, or a new one."""
		if self.method == LEGACY_TOKEN:
			return None
		with token_connection() as db:
			current = read_pair(db, self.store.name, lock=True)
			if current.access_token and current.access_token != stale and not current.needs_renewal(utcnow()):
				self.pair = current
				return current.access_token
			try:
				self.pair = self.obtain(current)
			except ReconnectRequired:
				with using(db):  # on this connection: it holds the store's row lock
					db.set_value(
						DOCTYPE, self.store.name, "connection_status", RECONNECT, update_modified=False
					)
					db.commit()
				raise
			write_pair(db, self.store.name, self.pair)
		return self.pair.access_token

	def obtain(self, current: TokenPair) -> TokenPair:
		auth = shopify_auth(self.store)
		if self.method == CLIENT_CREDENTIALS:
			return auth.client_credentials()
		if current.refresh_lapsed(utcnow()) or not current.refresh_token:
			raise ReconnectRequired(
				_("The refresh token of {0} has lapsed. Press Reconnect to Shopify on the store.").format(
					self.store.name
				)
			)
		return auth.refresh(current)


# Connect to Shopify (the authorization code grant)
def _state_key(state: str) -> str:
	return f"shopify_oauth_state:{state}"


def begin_connect(store) -> str:
	"""The authorize URL for `store`, with a state nonce bound to this user's session for 10 minutes."""
	if store.connection_method != AUTHORIZATION_CODE:
		frappe.throw(_("Set Connection to {0} first.").format(AUTHORIZATION_CODE))
	state = secrets.token_urlsafe(32)
	frappe.cache.set_value(
		_state_key(state),
		{"store": store.name, "user": frappe.session.user, "sid": frappe.session.sid},
		expires_in_sec=STATE_SECONDS,
	)
	return shopify_auth(store).authorize_url(needed_scopes(store), get_url(CALLBACK_PATH), state)


def complete_connect(params: dict) -> str:
	"""Check Shopify's redirect back and store the expiring pair; returns the store's name.
	Anything wrong raises before anything is stored."""
	from erp_connectors.shopify_connector.auth import CallbackRefused

	state = str(params.get("state") or "")
	started = frappe.cache.get_value(_state_key(state)) if state else None
	if started:
		frappe.cache.delete_value(_state_key(state))  # one use
	if not started or started.get("user") != frappe.session.user or started.get("sid") != frappe.session.sid:
		raise CallbackRefused(_("This Connect to Shopify was not started in this session, or it expired."))
	store = frappe.get_doc(DOCTYPE, started["store"])
	store.check_permission("write")
	auth = shopify_auth(store)
	auth.verify_callback(params, state)
	pair = auth.exchange_code(str(params.get("code") or ""))
	with token_connection() as db:
		read_pair(db, store.name, lock=True)
		write_pair(db, store.name, pair)
	return store.name


@frappe.whitelist(methods=["GET"])
def oauth_callback(**params):
	"""Where Shopify sends the admin back after Install; the admin's own Desk session comes along."""
	from erp_connectors.shopify_connector.auth import CallbackRefused

	params.pop("cmd", None)
	try:
		name = complete_connect(params)
	except (CallbackRefused, NeedsAttention) as error:
		frappe.db.rollback()
		frappe.respond_as_web_page(
			_("Shopify connection refused"),
			frappe.utils.escape_html(str(error)),
			http_status_code=400,
			indicator_color="red",
		)
		return
	finally:
		call_log.flush()
	frappe.local.response["type"] = "redirect"
	frappe.local.response["location"] = f"/app/shopify-store/{name}"


def _aware(value):
	return value.replace(tzinfo=timezone.utc) if value else None


def _naive(value):
	return value.astimezone(timezone.utc).replace(tzinfo=None) if value else None
