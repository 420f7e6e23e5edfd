const STRIPE_ACTIONS = "erp_connectors.stripe_connector.account_actions";

frappe.ui.form.on("Stripe Account", {
	refresh(frm) {
		if (frm.is_new()) return;
		const url = `${window.location.origin}/api/method/erp_connectors.stripe_connector.integration.webhook?account=${encodeURIComponent(frm.doc.name)}`;
		frm.set_intro(
			__("Stripe sends events to {0}. Register Webhook Endpoint creates it at Stripe and saves its signing secret.", [
				`<code>${frappe.utils.escape_html(url)}</code>`,
			]),
			"blue"
		);
		const call = (method) =>
			frappe.call({ method: `${STRIPE_ACTIONS}.${method}`, args: { account: frm.doc.name }, freeze: true });
		const group = __("Stripe");
		frm.add_custom_button(
			__("Test Connection"),
			() =>
				call("test_connection").then(({ message }) =>
					frappe.msgprint(__("Connected ({0} mode). Available balance: {1}.", [message.livemode ? "live" : "test", message.available]))
				),
			group
		);
		frm.add_custom_button(
			__("Register Webhook Endpoint"),
			() =>
				call("register_webhook_endpoint").then(({ message }) => {
					const esc = (v) => frappe.utils.escape_html(String(v ?? "-"));
					let text = message.existing
						? __("Endpoint {0} was already registered; its signing secret is unchanged.", [esc(message.id)])
						: __("Endpoint {0} receives {1} event types in API version {2}; its signing secret is saved.", [
								esc(message.id),
								message.events,
								esc(message.api_version),
						  ]);
					if (!message.pinned) {
						text +=
							"<br><br>" +
							__("It sends events in API version {0}, not {1}, which this app reads. Stripe cannot change an endpoint's version: delete it in the Stripe Dashboard and register again.", [
								esc(message.api_version),
								esc(message.expected_api_version),
							]);
					}
					frappe.msgprint(text);
					frm.reload_doc();
				}),
			group
		);
	},
});
