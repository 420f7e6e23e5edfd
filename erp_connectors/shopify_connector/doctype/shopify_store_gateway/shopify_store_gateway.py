from frappe.model.document import Document


class ShopifyStoreGateway(Document):
	pass
