"""The files a label purchase brings, as Carrier Label records and private Files on the Shipment.

A purchase is recorded and committed before any file is fetched: `record` notes every file (each
parcel's label, a return label, a commercial invoice) and attaches the ones the carrier sent with the
purchase; `complete` then downloads the others under the Shipment's row lock, so two buyers never
attach a file twice. A failed download leaves its record Pending with the reason, and Retry Label
Download runs `complete` again: the label is never bought twice for it.
"""

import frappe

from erp_connectors.connectors.errors import ConnectorError
from erp_connectors.shipping_connector import mapping
from erp_connectors.shipping_connector.carrier_accounts import carrier_for

PENDING, ATTACHED = "Pending", "Attached"
PENDING_FIELD = "carrier_labels_pending"
KINDS = {"label": "Label", "return_label": "Return Label", "commercial_invoice": "Commercial Invoice"}
EXTENSIONS = {"PDF": "pdf", "ZPL": "zpl", "ZPL2": "zpl", "PNG": "png"}


def record(shipment: str, account: str, purchase, *, is_return: bool) -> None:
	"""Note every file of a new purchase; attach at once those the carrier sent with it."""
	label = purchase.label
	kind = "Return Label" if is_return else "Label"
	for row, parcel in purchase.parcels:
		entry = _entry(
			shipment, account, kind, parcel.tracking_number, label.label_format, parcel.label_url, row
		)
		if parcel.label_bytes is not None:
			attach(entry, parcel.label_bytes)
	for document in label.documents:
		entry = _entry(
			shipment,
			account,
			KINDS.get(document.kind, "Commercial Invoice"),
			label.tracking_number,
			document.file_format,
			document.url,
			None,
		)
		if document.content is not None:
			attach(entry, document.content)
	_count_pending(shipment)


def complete(shipment: str) -> list[str]:
	"""Download every pending file of the Shipment, under its row lock; the reasons of those that fail."""
	lock(shipment)
	pending = frappe.get_all(
		"Carrier Label",
		filters={"shipment": shipment, "status": PENDING},
		fields=["name", "shipment", "account", "kind", "tracking_number", "file_format", "url", "parcel_row"],
		order_by="creation asc",
	)
	failures, carriers = [], {}
	for entry in pending:
		try:
			if entry.account not in carriers:
				carriers[entry.account] = carrier_for(entry.account)
			if not entry.url:
				raise ConnectorError(
					f"{entry.kind} {entry.tracking_number}: the carrier gave no file address"
				)
			attach(entry, carriers[entry.account].fetch_file(entry.url, entry.file_format))
		except ConnectorError as error:
			reason = f"{entry.kind} {entry.tracking_number}: {error.remote_message}"
			frappe.db.set_value("Carrier Label", entry.name, "error", reason, update_modified=False)
			failures.append(reason)
	_count_pending(shipment)
	frappe.db.commit()
	return failures


def lock(shipment: str) -> None:
	"""Take the Shipment's row lock as the first statement of a fresh transaction, so every read after
	it sees what the previous holder committed (REPEATABLE READ fixes its snapshot at the first read)."""
	frappe.db.rollback()
	frappe.db.sql("select name from `tabShipment` where name = %s for update", shipment)


def attach(entry, content: bytes) -> str:
	extension = EXTENSIONS.get(str(entry.file_format or "PDF").upper(), "pdf")
	slug = entry.kind.lower().replace(" ", "-")
	file = frappe.get_doc(
		{
			"doctype": "File",
			"file_name": f"{entry.shipment}-{slug}-{entry.tracking_number}.{extension}",
			"attached_to_doctype": "Shipment",
			"attached_to_name": entry.shipment,
			"is_private": 1,
			"content": content,
		}
	).insert(ignore_permissions=True)
	frappe.db.set_value(
		"Carrier Label",
		entry.name,
		{"status": ATTACHED, "file": file.file_url, "error": ""},
		update_modified=False,
	)
	if entry.kind == "Label" and entry.parcel_row:
		frappe.db.set_value(
			"Shipment Parcel", entry.parcel_row, mapping.PARCEL_LABEL, file.file_url, update_modified=False
		)
	return file.file_url


def pending(shipment: str) -> int:
	return frappe.db.count("Carrier Label", {"shipment": shipment, "status": PENDING})


def _entry(shipment, account, kind, tracking_number, file_format, url, row):
	doc = frappe.get_doc(
		{
			"doctype": "Carrier Label",
			"shipment": shipment,
			"kind": kind,
			"parcel_row": row,
			"account": account,
			"tracking_number": tracking_number,
			"file_format": file_format,
			"url": url,
			"status": PENDING,
		}
	)
	doc.db_insert()  # Data and Code fields: shown escaped
	return frappe._dict(doc.as_dict())


def _count_pending(shipment: str) -> None:
	frappe.db.set_value("Shipment", shipment, PENDING_FIELD, pending(shipment), update_modified=False)
