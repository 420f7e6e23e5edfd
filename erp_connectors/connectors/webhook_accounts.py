"""Who signs a webhook: the account's fields and signing secrets, read together and kept briefly.

The intake needs them for every delivery. Read one by one they cost five queries (an existence
check, the account's fields, a password query per signing secret); here it is two, and then none
for a minute in this process. A form save forgets them in this process at once; other processes
see a change within ACCOUNT_TTL seconds (while a secret is rotated, the previous one is accepted
too, so nothing is refused in between).
"""

import time
from collections import OrderedDict
from dataclasses import dataclass

import frappe
from frappe.query_builder import Table
from frappe.utils.password import decrypt

from erp_connectors.connectors.redaction import secret

ACCOUNT_TTL = 60
MAX_ACCOUNTS = 512  # unknown names are remembered too; the cap bounds what a guest can make us keep


@dataclass(frozen=True)
class WebhookAccount:
	values: dict
	secrets: tuple


_cache: "OrderedDict[tuple[str, str], tuple[float, WebhookAccount | None]]" = OrderedDict()


def lookup(source, account: str) -> WebhookAccount | None:
	"""The account's `account_fields` and decrypted `secret_fields`; None if there is no such account."""
	key = (source.account_doctype, account)
	hit = _cache.get(key)
	if hit and hit[0] > time.monotonic():
		return hit[1]
	found = _read(source, account)
	_cache[key] = (time.monotonic() + ACCOUNT_TTL, found)
	_cache.move_to_end(key)
	while len(_cache) > MAX_ACCOUNTS:
		_cache.popitem(last=False)
	return found


def forget(doc, method=None):
	"""doc_events hook on the account doctypes: a saved or deleted account is read afresh."""
	_cache.pop((doc.doctype, doc.name), None)


def _read(source, account: str) -> WebhookAccount | None:
	values = frappe.db.get_value(
		source.account_doctype, account, ["name", *source.account_fields], as_dict=True
	)
	if not values:
		return None
	secrets = ()
	if source.secret_fields:
		auth = Table("__Auth")
		rows = (
			frappe.qb.from_(auth)
			.select(auth.fieldname, auth.password)
			.where(
				(auth.doctype == source.account_doctype)
				& (auth.name == account)
				& (auth.fieldname.isin(list(source.secret_fields)))
				& (auth.encrypted == 1)
			)
		).run()
		stored = dict(rows)
		secrets = tuple(
			secret(decrypt(stored[field], key=f"{source.account_doctype}.{account}.{field}"))
			for field in source.secret_fields
			if stored.get(field)
		)
	values.pop("name")
	return WebhookAccount(values=dict(values), secrets=secrets)
