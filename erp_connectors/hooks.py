app_name = "erp_connectors"
app_title = "ERP Connectors"
app_publisher = "erp_connectors team"
app_description = "Shopify, Stripe and shipping-carrier connectors for ERPNext"
app_email = "dev@erp-connectors.invalid"
app_license = "mit"

required_apps = ["frappe/erpnext"]


doctype_js = {
	"Shipment": "public/js/shipment.js",
	"Sales Invoice": ["public/js/stripe_checkout.js", "public/js/stripe_refund.js"],
	"Payment Request": "public/js/stripe_checkout.js",
}

# A payments app installed after our Stripe Accounts still gets their Payment Gateways.
after_migrate = [
	"erp_connectors.stripe_connector.payment_gateway.ensure_all",
	"erp_connectors.api.setup.ensure_role",
	"erp_connectors.shipping_connector.custom_fields.ensure",
	"erp_connectors.connectors.desk_blocks.ensure",
	# Steps synced from their files start open again: their checks say which are done.
	"erp_connectors.connectors.onboarding.refresh",
]
after_install = [
	"erp_connectors.api.setup.ensure_role",
	"erp_connectors.shipping_connector.custom_fields.ensure",
	"erp_connectors.connectors.desk_blocks.ensure",
]
# The bench suite's companies and settings, on any site straight after install-app.
before_tests = "erp_connectors.connectors.bench_fixtures.before_tests"

# A webhook body over the limit is refused before any of our work runs.
before_request = ["erp_connectors.connectors.webhook_guards.refuse_oversized_body"]
# Frappe answers a body it cannot parse before our code runs; webhooks and the API give their own
# answers. Then any server error left on a webhook path becomes a 503 with Retry-After.
after_request = [
	"erp_connectors.unparsed_body.answer_unparsed_body",
	"erp_connectors.connectors.webhook_guards.unavailable_instead_of_server_error",
]

STOCK_CHANGED = "erp_connectors.shopify_connector.stock_sync.on_stock_change"
FORGET_SIGNER = "erp_connectors.connectors.webhook_accounts.forget"
ONBOARDING_CHECK = "erp_connectors.connectors.onboarding.on_account_change"
# An account saved or deleted: the webhook intake reads its signing secrets afresh, and the setup
# steps on the Connectors workspace check it again.
ACCOUNT_EVENTS = {
	"on_update": [FORGET_SIGNER, ONBOARDING_CHECK],
	"on_trash": FORGET_SIGNER,
	"after_delete": ONBOARDING_CHECK,
}
doc_events = {
	"Shopify Store": ACCOUNT_EVENTS,
	"Stripe Account": ACCOUNT_EVENTS,
	"Carrier Account": ACCOUNT_EVENTS,
	"Delivery Note": {
		"on_submit": "erp_connectors.shopify_connector.fulfillment_push.on_delivery_note_submit",
	},
	# Stock moved, or an order reserved or released stock: push what Shopify can sell.
	"Stock Ledger Entry": {"on_submit": STOCK_CHANGED, "on_cancel": STOCK_CHANGED},
	"Sales Order": {"on_submit": STOCK_CHANGED, "on_cancel": STOCK_CHANGED},
}

# The Connectors workspace's setup steps are done when their checks pass, not when merely visited.
override_whitelisted_methods = {
	"frappe.desk.desktop.update_onboarding_step": "erp_connectors.connectors.onboarding.update_onboarding_step",
}

# Each inbound source: its name (Connector Event "source") -> the Frappe-side binding
# (webhook source + how to build a sync context for an account).
connector_sources = {
	"Shopify": "erp_connectors.shopify_connector.integration.BINDING",
	"Carrier": "erp_connectors.shipping_connector.integration.BINDING",
	"Stripe": "erp_connectors.stripe_connector.integration.BINDING",
}

# Fixes a held event's form offers (connectors.remedies): remedy kind -> its Frappe half.
connector_remedies = {
	"shopify_item": "erp_connectors.shopify_connector.remedy_actions.ITEM",
	"shopify_tax_account": "erp_connectors.shopify_connector.remedy_actions.TAX",
}

scheduler_events = {
	"cron": {
		# Due retries, events whose enqueue was lost, and workers that died mid-event.
		"* * * * *": ["erp_connectors.connectors.processing.sweep"],
		"*/15 * * * *": ["erp_connectors.shopify_connector.integration.poll_all_stores"],
	},
	"hourly": [
		"erp_connectors.shipping_connector.shipment_actions.poll_tracking",
		"erp_connectors.shopify_connector.stock_sync.reconcile_all",
		"erp_connectors.shopify_connector.catalog_sync.push_all_prices",
		"erp_connectors.shopify_connector.payouts_jobs.sync_all_payouts",
	],
	"daily": [
		"erp_connectors.shopify_connector.stock_sync.reconcile_daily",
		"erp_connectors.connectors.processing.clear_old_payloads",
		"erp_connectors.shipping_connector.quotes.clear_old",
	],
}

# Log Settings clears these after the given number of days (configurable in Desk).
default_log_clearing_doctypes = {
	"Connector Call Log": 30,
}
