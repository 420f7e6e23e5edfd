"""Frappe side of fulfillments: a submitted Delivery Note of a Shopify order becomes a Shopify
fulfillment, and a label bought later adds its tracking to that fulfillment."""

import frappe

from erp_connectors.connectors import call_log
from erp_connectors.connectors.frappe_gateway import FrappeGateway
from erp_connectors.connectors.gateway import AccountRef
from erp_connectors.shopify_connector.fulfillment import push_fulfillment, update_tracking
from erp_connectors.shopify_connector.integration import client_for

FULFILLMENT = "fulfillment"
FULFILLMENT_ID = "fulfillment_id"


def on_delivery_note_submit(doc, method=None):
	if any(item.against_sales_order for item in doc.items):
		frappe.enqueue(
			"erp_connectors.shopify_connector.fulfillment_push.push_delivery_note",
			enqueue_after_commit=True,
			delivery_note=doc.name,
		)


def shopify_orders(delivery_note) -> dict[str, tuple[str, str, dict]]:
	"""Sales Order -> (store, Shopify order id, {sku: qty}) for the note's Shopify-linked orders."""
	found = {}
	for item in delivery_note.items:
		if not item.against_sales_order:
			continue
		link = frappe.db.get_value(
			"Connector Link",
			{
				"account_doctype": "Shopify Store",
				"remote_type": "order",
				"reference_name": item.against_sales_order,
			},
			["account", "remote_id"],
			as_dict=True,
		)
		if link:
			_, _, quantities = found.setdefault(item.against_sales_order, (link.account, link.remote_id, {}))
			quantities[item.item_code] = quantities.get(item.item_code, 0) + item.qty
	return found


def tracking_of(delivery_note) -> dict | None:
	return label_tracking(delivery_note) or note_tracking(delivery_note)


def label_tracking(delivery_note) -> dict | None:
	"""Tracking of a label bought here on a Shipment carrying the note."""
	row = frappe.db.sql(
		"""select s.awb_number, s.carrier, s.tracking_url from `tabShipment` s
		join `tabShipment Delivery Note` d on d.parent = s.name
		where d.delivery_note = %s and s.docstatus = 1 and ifnull(s.awb_number, '') != ''
		order by s.modified desc limit 1""",
		delivery_note.name,
		as_dict=True,
	)
	if row:
		return {"number": row[0].awb_number, "company": row[0].carrier, "url": row[0].tracking_url}
	return None


def note_tracking(delivery_note) -> dict | None:
	if delivery_note.lr_no:
		return {"number": delivery_note.lr_no, "company": delivery_note.transporter_name}
	return None


def push_delivery_note(delivery_note: str):
	"""Create the fulfillment once per (Delivery Note, order); later calls only refresh tracking."""
	note = frappe.get_doc("Delivery Note", delivery_note)
	tracking = tracking_of(note)
	# An existing fulfillment only hears of a label bought here; a note's own tracking number
	# went out with the fulfillment (or came from Shopify, for a fulfillment made there).
	label = label_tracking(note)
	gateway = FrappeGateway()
	already_fulfilled = set()
	try:
		for sales_order, (store_name, order_id, quantities) in shopify_orders(note).items():
			store = frappe.get_doc("Shopify Store", store_name)
			if not store.enabled or not store.sync_fulfillments:
				continue
			account = AccountRef("Shopify Store", store_name)
			key = f"{note.name}:{sales_order}"
			if gateway.find_link(account, FULFILLMENT, key):
				already_fulfilled.add(store_name)
				continue
			# Held until the links commit: the echo of this fulfillment (fulfillments/create) waits here.
			gateway.lock("Sales Order", sales_order)
			fulfillment = push_fulfillment(client_for(store), order_id, quantities, tracking)
			gateway.add_link(account, FULFILLMENT, key, "Delivery Note", note.name)
			gateway.add_link(account, FULFILLMENT_ID, fulfillment["id"], "Delivery Note", note.name)
			frappe.db.commit()
		for store_name in already_fulfilled if label else ():
			store = frappe.get_doc("Shopify Store", store_name)
			filters = {"account": store_name, "remote_type": FULFILLMENT_ID, "reference_name": note.name}
			for fulfillment_id in frappe.get_all("Connector Link", filters=filters, pluck="remote_id"):
				update_tracking(client_for(store), fulfillment_id, label)
	finally:
		call_log.flush()
