# Copyright (c) 2026, erp_connectors team

import frappe
from frappe import _
from frappe.model.document import Document

from erp_connectors.connectors import site_policy
from erp_connectors.shipping_connector.carriers import carrier_class


class CarrierAccount(Document):
	def validate(self):
		if self.provider:
			carrier = carrier_class(self.provider)
			for fieldname in ("base_url", "tracking_base_url"):
				site_policy.validate_url_field(self, fieldname, carrier.provider, carrier.hosts)
			if (self.label_format or "PDF") not in carrier.label_formats:
				frappe.throw(
					_("{0} prints labels as {1}, not {2}.").format(
						carrier.provider, " or ".join(carrier.label_formats), self.label_format
					)
				)
