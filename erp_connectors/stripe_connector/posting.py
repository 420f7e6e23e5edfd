"""Writing through the gateway so that every Stripe amount is posted exactly once.

A link (account, remote type, remote id) -> document is the guard: look it up
before posting, add it right after. In production the handler runs in one
database transaction with a unique index on links, so a worker that loses a race
sees someone else's link, raises TransientError, and its own insert is rolled
back; the retry then finds the winner's document.
"""

from erp_connectors.connectors.errors import TransientError
from erp_connectors.connectors.sources import SyncContext


def linked(ctx: SyncContext, remote_type: str, remote_id: str) -> tuple[str, str] | None:
	found = ctx.gateway.find_link(ctx.account, remote_type, str(remote_id))
	return tuple(found) if found else None


def bind(ctx: SyncContext, keys: list[tuple[str, str]], doctype: str, name: str) -> tuple[str, str]:
	for remote_type, remote_id in keys:
		bound = tuple(ctx.gateway.add_link(ctx.account, remote_type, str(remote_id), doctype, name))
		if bound != (doctype, name):
			raise TransientError(
				f"Stripe {remote_type} {remote_id} was posted concurrently as {bound[0]} {bound[1]}; "
				"this attempt is rolled back and the retry will find that document"
			)
	return (doctype, name)


def post(ctx: SyncContext, doc: dict, keys: list[tuple[str, str]]) -> tuple[str, str]:
	"""Insert and submit `doc`, then bind every key to it."""
	name = ctx.gateway.insert(doc, submit=True)
	return bind(ctx, keys, doc["doctype"], name)


def note(ctx: SyncContext, key: str, doctype: str, name: str, text: str) -> None:
	"""A comment on a document, written once per `key` (a redelivered event adds nothing)."""
	if linked(ctx, "note", key):
		return
	comment = ctx.gateway.insert(
		{
			"doctype": "Comment",
			"comment_type": "Comment",
			"reference_doctype": doctype,
			"reference_name": name,
			"content": text,
		}
	)
	bind(ctx, [("note", key)], "Comment", comment)


def object_id(value) -> str | None:
	"""Stripe fields like `charge` hold an id, or the object itself when expanded."""
	if isinstance(value, dict):
		return value.get("id")
	return value or None
