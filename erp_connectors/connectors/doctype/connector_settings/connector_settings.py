import frappe
from frappe import _
from frappe.model.document import Document

from erp_connectors.connectors import settings


class ConnectorSettings(Document):
	def validate(self):
		for field in ("max_attempts", "base_delay_seconds", "max_delay_seconds", "max_body_kb"):
			if (self.get(field) or 0) < 1:
				frappe.throw(_("{0} must be at least 1").format(self.meta.get_label(field)))
		if self.base_delay_seconds > self.max_delay_seconds:
			frappe.throw(_("First Retry Delay cannot be longer than Longest Retry Delay"))

	def on_update(self):
		settings.forget()
