"""Fields this app adds to ERPNext's Shipment and Shipment Parcel (made on install and every migrate).

Each parcel row carries its own label: tracking number, status, tracking URL and the label file.
The Shipment carries the contents type of its customs declaration and how many label files are still
to be downloaded (Retry Label Download shows while any are).
"""

from frappe.custom.doctype.custom_field.custom_field import create_custom_fields

from erp_connectors.shipping_connector import mapping
from erp_connectors.shipping_connector.label_files import PENDING_FIELD
from erp_connectors.shipping_connector.shipment_documents import COD_FIELD, CONTENTS_FIELD

ON_SUBMITTED = {"read_only": 1, "allow_on_submit": 1, "no_copy": 1, "translatable": 0}

FIELDS = {
	"Shipment Parcel": [
		{
			"fieldname": mapping.PARCEL_NUMBER,
			"label": "Tracking Number",
			"fieldtype": "Data",
			"insert_after": "count",
			"in_list_view": 1,
			"columns": 2,
			**ON_SUBMITTED,
		},
		{
			"fieldname": mapping.PARCEL_STATUS,
			"label": "Tracking Status",
			"fieldtype": "Select",
			"options": "\nIn Progress\nDelivered\nReturned\nLost\nVoided",
			"insert_after": mapping.PARCEL_NUMBER,
			"in_list_view": 1,
			"columns": 2,
			**ON_SUBMITTED,
		},
		{
			"fieldname": mapping.PARCEL_LABEL,
			"label": "Label",
			"fieldtype": "Attach",
			"insert_after": mapping.PARCEL_STATUS,
			"in_list_view": 1,
			"columns": 1,
			**ON_SUBMITTED,
		},
		{
			"fieldname": mapping.PARCEL_INFO,
			"label": "Tracking Info",
			"fieldtype": "Data",
			"insert_after": mapping.PARCEL_LABEL,
			**ON_SUBMITTED,
		},
		{
			"fieldname": mapping.PARCEL_URL,
			"label": "Tracking URL",
			"fieldtype": "Data",
			"options": "URL",
			"length": 1000,
			"insert_after": mapping.PARCEL_INFO,
			**ON_SUBMITTED,
		},
		{
			"fieldname": mapping.PARCEL_REF,
			"label": "Carrier Label Reference",
			"fieldtype": "Data",
			"insert_after": mapping.PARCEL_URL,
			"hidden": 1,
			**ON_SUBMITTED,
		},
	],
	"Shipment": [
		{
			"fieldname": CONTENTS_FIELD,
			"label": "Customs Contents Type",
			"fieldtype": "Select",
			"options": "Merchandise\nGift\nDocuments\nSample\nReturn\nOther",
			"default": "Merchandise",
			"insert_after": "incoterm",
			"description": "Declared with the lines of the Delivery Notes when the parcels cross a customs border.",
			"allow_on_submit": 1,
			"translatable": 0,
		},
		{
			"fieldname": COD_FIELD,
			"label": "Cash on Delivery Amount",
			"fieldtype": "Currency",
			"insert_after": "value_of_goods",
			"description": "What the courier collects on delivery (Shiprocket); empty for a prepaid parcel.",
			"allow_on_submit": 1,
			"no_copy": 1,
		},
		{
			"fieldname": "customs_declaration_html",
			"label": "Customs Declaration",
			"fieldtype": "HTML",
			"insert_after": CONTENTS_FIELD,
		},
		{
			"fieldname": PENDING_FIELD,
			"label": "Label Files to Download",
			"fieldtype": "Int",
			"insert_after": "tracking_status_info",
			"hidden": 1,
			**ON_SUBMITTED,
		},
	],
}


# ERPNext's parcel columns take one grid unit each, so each parcel's tracking number, status and label
# fit beside them (a grid shows ten units).
NARROW_COLUMNS = ("length", "width", "height", "weight", "count")


def ensure():
	"""after_install and after_migrate: create or update the fields (idempotent)."""
	import frappe
	from frappe.custom.doctype.property_setter.property_setter import make_property_setter

	create_custom_fields(FIELDS, ignore_validate=True, update=True)
	for fieldname in NARROW_COLUMNS:
		if (
			frappe.db.get_value(
				"Property Setter",
				{"doc_type": "Shipment Parcel", "field_name": fieldname, "property": "columns"},
				"value",
			)
			!= "1"
		):
			make_property_setter(
				"Shipment Parcel", fieldname, "columns", "1", "Int", validate_fields_for_doctype=False
			)
