// Carrier actions on ERPNext's Shipment, served by erp_connectors.shipping_connector.shipment_actions.
const SHIPMENT_ACTIONS = "erp_connectors.shipping_connector.shipment_actions";

frappe.ui.form.on("Shipment", {
	refresh(frm) {
		if (frm.doc.docstatus !== 1) return;
		const group = __("Carrier");
		if (!frm.doc.awb_number) {
			frm.add_custom_button(__("Get Rates"), () => erp_connectors_choose_rate(frm, 0), group);
			return;
		}
		frm.add_custom_button(__("Track"), () => erp_connectors_call(frm, "track"), group);
		frm.add_custom_button(__("Return Label"), () => erp_connectors_choose_rate(frm, 1), group);
		frm.add_custom_button(
			__("Void Label"),
			() => frappe.confirm(__("Void label {0}?", [frm.doc.awb_number]), () => erp_connectors_call(frm, "void_label")),
			group
		);
	},
});

function erp_connectors_call(frm, method, args = {}) {
	return frappe
		.call({ method: `${SHIPMENT_ACTIONS}.${method}`, args: { shipment: frm.doc.name, ...args }, freeze: true })
		.then((r) => {
			frm.reload_doc();
			return r.message;
		});
}

function erp_connectors_choose_rate(frm, is_return) {
	frappe
		.call({ method: `${SHIPMENT_ACTIONS}.get_rates`, args: { shipment: frm.doc.name, is_return }, freeze: true })
		.then(({ message }) => {
			const dialog = new frappe.ui.Dialog({
				title: is_return ? __("Return label rates") : __("Rates"),
				size: "large",
				fields: [{ fieldtype: "HTML", fieldname: "rates" }],
			});
			const esc = frappe.utils.escape_html;
			const rows = message.rates
				.map(
					(rate, i) => `<tr>
						<td>${esc(rate.account)}</td><td>${esc(rate.carrier)}</td><td>${esc(rate.service)}</td>
						<td class="text-right">${esc(rate.amount)} ${esc(rate.currency || "")}</td>
						<td>${rate.transit_days == null ? "" : esc(String(rate.transit_days))}</td>
						<td><button class="btn btn-xs btn-primary" data-rate="${i}">${__("Buy")}</button></td></tr>`
				)
				.join("");
			const errors = message.errors
				.map((e) => `<div class="text-danger">${esc(e.account)}: ${esc(e.message)}</div>`)
				.join("");
			dialog.fields_dict.rates.$wrapper.html(
				`${errors}<table class="table table-bordered"><thead><tr><th>${__("Account")}</th><th>${__("Carrier")}</th>
				<th>${__("Service")}</th><th>${__("Price")}</th><th>${__("Days")}</th><th></th></tr></thead><tbody>${rows}</tbody></table>`
			);
			dialog.fields_dict.rates.$wrapper.on("click", "button[data-rate]", (event) => {
				const rate = message.rates[Number(event.currentTarget.dataset.rate)];
				dialog.hide();
				erp_connectors_call(frm, "buy_label", { rate: JSON.stringify(rate), is_return });
			});
			dialog.show();
		});
}
