// "Refund via Stripe" on a submitted credit note of an invoice paid through Stripe. The amount is read
// from the credit note on the server; the Payment Entry posts when Stripe confirms the refund.
const STRIPE_REFUNDS = "erp_connectors.stripe_connector.refund_actions";

frappe.ui.form.on("Sales Invoice", {
	refresh(frm) {
		if (frm.doc.docstatus !== 1 || !frm.doc.is_return || !frm.doc.return_against) return;
		frappe.call({ method: `${STRIPE_REFUNDS}.refund_state`, args: { credit_note: frm.doc.name } }).then(({ message }) => {
			if (!message || !message.stripe) return;
			const shown = message.refunds.map((r) =>
				frappe.utils.escape_html(`${r.refund}: ${r.state}${r.payment_entry ? ` (${r.payment_entry})` : ""}`)
			);
			if (shown.length) {
				const failed = message.refunds.some((r) => r.state === "failed");
				frm.dashboard.set_headline_alert(__("Stripe refunds: {0}", [shown.join(", ")]), failed ? "red" : "blue");
			}
			if (frm.doc.outstanding_amount >= 0 || !frappe.model.can_write("Sales Invoice")) return;
			frm.add_custom_button(__("Refund via Stripe"), () =>
				frappe.confirm(__("Refund {0} to the customer's card through Stripe?", [format_currency(-frm.doc.outstanding_amount, frm.doc.currency)]), () =>
					frappe
						.call({ method: `${STRIPE_REFUNDS}.refund_credit_note`, args: { credit_note: frm.doc.name }, freeze: true })
						.then(({ message: done }) => {
							frappe.msgprint(
								done.already
									? __("Stripe refund {0} was already requested ({1}).", [done.refund, done.state].map((v) => frappe.utils.escape_html(v)))
									: __("Stripe refund {0} of {1} {2}: {3}. The payment is recorded when Stripe confirms it.", [done.refund, done.currency, done.amount, done.status].map((v) => frappe.utils.escape_html(String(v))))
							);
							frm.reload_doc();
						})
				)
			);
		});
	},
});
