"""Fix a held event from its own form: the Frappe half of connectors.remedies.

Each remedy kind is registered under the `connector_remedies` hook (kind -> dotted path of an
object) and offers two methods:

- `describe(event, remedy) -> dict`: {"resolved": bool, "resolution": text or None, "actions":
  [{"name", "label", "fields": [Frappe dialog fields, defaults prefilled], "primary": bool}]}
- `apply(event, remedy, action, values) -> str`: do the action with the values the user entered
  (checking the user's permission on what it touches) and say what was done.

The form asks `remedies_of` for what to show and calls `apply_remedy` for a button; every label
and value the form shows is escaped there. As soon as every remedy of the event is resolved the
event is retried, in the same request.
"""

import frappe
from frappe import _

from erp_connectors.connectors import processing
from erp_connectors.connectors.remedies import Remedy, load


def kind_for(kind: str):
	paths = (frappe.get_hooks("connector_remedies") or {}).get(kind)
	if not paths:
		return None
	return frappe.get_attr(paths[-1] if isinstance(paths, list) else paths)


def describe(event, remedy: Remedy) -> dict:
	kind = kind_for(remedy.kind)
	described = (
		kind.describe(event, remedy)
		if kind
		else {"resolved": False, "resolution": None, "actions": []}  # an app no longer installed
	)
	return {"key": remedy.key, "kind": remedy.kind, "title": remedy.title, **described}


@frappe.whitelist()
def remedies_of(event: str) -> dict:
	"""What the held event's form shows: each remedy, whether it is resolved, and its actions."""
	frappe.has_permission("Connector Event", "read", event, throw=True)
	doc = frappe.get_doc("Connector Event", event)
	can_fix = frappe.has_permission("Connector Event", "write", event)
	rows = [describe(doc, remedy) for remedy in load(doc.remedies)] if doc.status == "Held" else []
	if not can_fix:
		for row in rows:
			row["actions"] = []
	return {"status": doc.status, "can_fix": bool(can_fix), "remedies": rows}


@frappe.whitelist(methods=["POST"])
def apply_remedy(event: str, key: str, action: str, values=None) -> dict:
	"""One action of one remedy; then, if every remedy is resolved, the event is retried."""
	frappe.has_permission("Connector Event", "write", event, throw=True)
	# Two admins fixing the same event take turns: the row is locked before it is read.
	if not frappe.db.sql("select name from `tabConnector Event` where name=%s for update", event):
		raise frappe.DoesNotExistError
	doc = frappe.get_doc("Connector Event", event)
	if doc.status != "Held":
		frappe.throw(_("This event is {0} now, not held; reload it.").format(_(doc.status)))
	remedies = load(doc.remedies)
	remedy = next((r for r in remedies if r.key == key), None)
	kind = kind_for(remedy.kind) if remedy else None
	if kind is None:
		frappe.throw(_("This event has no such fix; reload it."))
	if describe(doc, remedy)["resolved"]:
		message = _("Already resolved.")
	else:
		message = kind.apply(doc, remedy, action, frappe.parse_json(values) or {})
	rows = [describe(doc, r) for r in remedies]
	retried = all(row["resolved"] for row in rows)
	if retried:
		processing.retry([doc.name])  # commits what the action did with the event's new status
	return {"message": message, "retried": retried, "remedies": rows}
