# Copyright (c) 2026, erp_connectors team

from frappe.model.document import Document


class CarrierQuote(Document):
	pass
