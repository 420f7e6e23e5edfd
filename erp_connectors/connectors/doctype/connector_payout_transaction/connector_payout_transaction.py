from frappe.model.document import Document


class ConnectorPayoutTransaction(Document):
	pass
