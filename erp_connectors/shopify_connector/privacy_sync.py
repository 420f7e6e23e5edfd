"""The Frappe half of Shopify's privacy webhooks (privacy.py): ERPNext's own Personal Data Deletion
Request for customers/redact, and a store that forgets its secrets for shop/redact."""

import frappe
from frappe.utils.password import remove_encrypted_password

from erp_connectors.connectors.frappe_gateway import clean_values

DOCTYPE = "Shopify Store"
SECRETS = (
	"access_token",
	"issued_access_token",
	"refresh_token",
	"client_secret",
	"webhook_secret",
	"previous_webhook_secret",
)
OPEN = ("Pending Approval", "On Hold")


def request_erasure(store: str, email: str, note: str) -> tuple[str, str]:
	"""A Personal Data Deletion Request awaiting a System Manager's approval. Shopify has verified the
	customer, so it skips ERPNext's own verification mail to them; one open request per email."""
	existing = frappe.db.get_value("Personal Data Deletion Request", {"email": email, "status": ("in", OPEN)})
	if existing:
		name = existing
	else:
		request = frappe.get_doc(
			{"doctype": "Personal Data Deletion Request", "email": email, "status": "Pending Approval"}
		)
		request.set_new_name()  # validates the email as ERPNext's own naming does
		request.db_insert()  # not insert(): its after_insert mails the customer a confirmation link
		name = request.name
	comment = clean_values("Comment", {"content": frappe.utils.escape_html(note)})["content"]
	frappe.get_doc("Personal Data Deletion Request", name).add_comment("Comment", comment)
	return ("Personal Data Deletion Request", name)


def forget_store(store: str):
	"""shop/redact: the store stops syncing and holds no credential of the shop any more."""
	for field in SECRETS:
		remove_encrypted_password(DOCTYPE, store, field)
	frappe.db.set_value(
		DOCTYPE,
		store,
		{
			"enabled": 0,
			"connection_status": "Not Connected",
			"token_expires_at": None,
			"refresh_token_expires_at": None,
			"granted_scopes": None,
		},
	)
