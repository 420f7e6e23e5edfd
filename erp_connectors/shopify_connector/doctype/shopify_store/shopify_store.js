frappe.ui.form.on("Shopify Store", {
	refresh(frm) {
		const url = `${window.location.origin}/api/method/erp_connectors.shopify_connector.integration.webhook`;
		frm.set_intro(
			__("Point this store's webhooks (orders/create, orders/updated, orders/paid, orders/cancelled, app/uninstalled) at {0}", [
				`<code>${frappe.utils.escape_html(url)}</code>`,
			]),
			"blue"
		);
	},
});
