// "Stripe Checkout" on a submitted Sales Invoice or Payment Request: the amount comes from the document.
function add_stripe_checkout_button(frm) {
	const open = frm.doc.doctype === "Sales Invoice" ? frm.doc.outstanding_amount > 0 : !["Paid", "Cancelled"].includes(frm.doc.status);
	if (frm.doc.docstatus !== 1 || !open) return;
	frm.add_custom_button(
		__("Stripe Checkout Link"),
		() =>
			frappe
				.call({
					method: "erp_connectors.stripe_connector.checkout.create_checkout",
					args: { doctype: frm.doc.doctype, name: frm.doc.name },
					freeze: true,
				})
				.then(({ message }) => {
					frappe.msgprint({
						title: __("Stripe Checkout"),
						message: __("Send this link to the customer to pay {0} {1}: {2}", [
							message.currency,
							message.amount,
							`<a href="${encodeURI(message.url)}" target="_blank" rel="noopener">${frappe.utils.escape_html(message.url)}</a>`,
						]),
					});
					frm.reload_doc();
				}),
		__("Create")
	);
}

frappe.ui.form.on("Sales Invoice", { refresh: add_stripe_checkout_button });
frappe.ui.form.on("Payment Request", { refresh: add_stripe_checkout_button });
