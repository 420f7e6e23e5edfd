# Copyright (c) 2026, erp_connectors team

from frappe.model.document import Document

from erp_connectors.connectors import site_policy
from erp_connectors.shipping_connector.carriers import carrier_class


class CarrierAccount(Document):
	def validate(self):
		if self.provider:
			carrier = carrier_class(self.provider)
			for fieldname in ("base_url", "tracking_base_url"):
				site_policy.validate_url_field(self, fieldname, carrier.provider, carrier.hosts)
