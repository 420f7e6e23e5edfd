// Carrier actions on ERPNext's Shipment, served by erp_connectors.shipping_connector.shipment_actions.
// Everything a carrier or an Item says is escaped before it is shown.
const SHIPMENT_ACTIONS = "erp_connectors.shipping_connector.shipment_actions";

frappe.ui.form.on("Shipment", {
	refresh(frm) {
		erp_connectors_customs(frm);
		if (frm.doc.docstatus !== 1) return;
		const group = __("Carrier");
		if (frm.doc.carrier_labels_pending) {
			frm.add_custom_button(__("Retry Label Download"), () => erp_connectors_retry(frm), group);
			frm.dashboard.set_headline_alert(
				__("{0} label file(s) could not be downloaded yet. Use Carrier > Retry Label Download.", [
					frm.doc.carrier_labels_pending,
				]),
				"orange"
			);
		}
		if (!frm.doc.awb_number) {
			frm.add_custom_button(__("Get Rates"), () => erp_connectors_choose_rate(frm, 0), group);
			return;
		}
		frm.add_custom_button(__("Track"), () => erp_connectors_call(frm, "track"), group);
		frm.add_custom_button(__("Return Label"), () => erp_connectors_choose_rate(frm, 1), group);
		frm.add_custom_button(
			__("Void Label"),
			() =>
				frappe.confirm(__("Void label {0} (every parcel)?", [frappe.utils.escape_html(frm.doc.awb_number)]), () =>
					erp_connectors_call(frm, "void_label")
				),
			group
		);
		const live = (frm.doc.shipment_parcel || []).filter(
			(row) => row.carrier_tracking_number && row.carrier_tracking_status !== "Voided"
		);
		if (live.length > 1) {
			frm.add_custom_button(__("Void One Parcel"), () => erp_connectors_void_parcel(frm, live), group);
		}
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

function erp_connectors_failures(result) {
	const failures = (result && result.label_failures) || [];
	if (!failures.length) return;
	const esc = frappe.utils.escape_html;
	frappe.msgprint({
		title: __("Label bought; a file is still to download"),
		indicator: "orange",
		message: `${failures.map((f) => `<div>${esc(f)}</div>`).join("")}<p>${__(
			"The purchase is recorded. Carrier > Retry Label Download fetches the file; nothing is bought again."
		)}</p>`,
	});
}

function erp_connectors_retry(frm) {
	erp_connectors_call(frm, "retry_label_download").then((result) => {
		if (result && result.label_failures && result.label_failures.length) erp_connectors_failures(result);
		else frappe.show_alert({ message: __("Label files downloaded"), indicator: "green" });
	});
}

function erp_connectors_void_parcel(frm, live) {
	const esc = frappe.utils.escape_html;
	frappe.prompt(
		[
			{
				fieldname: "parcel",
				fieldtype: "Select",
				label: __("Parcel"),
				reqd: 1,
				options: live.map((row) => ({
					value: row.name,
					label: `${row.idx}: ${esc(row.carrier_tracking_number)}`,
				})),
			},
		],
		(values) => erp_connectors_call(frm, "void_label", { parcel: values.parcel }),
		__("Void one parcel's label"),
		__("Void")
	);
}

function erp_connectors_choose_rate(frm, is_return) {
	frappe
		.call({ method: `${SHIPMENT_ACTIONS}.get_rates`, args: { shipment: frm.doc.name, is_return }, freeze: true })
		.then(({ message }) => erp_connectors_rates_dialog(frm, message, is_return));
}

function erp_connectors_rates_dialog(frm, message, is_return, notice) {
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
	const note = notice ? `<div class="alert alert-warning">${esc(notice)}</div>` : "";
	dialog.fields_dict.rates.$wrapper.html(
		`${note}${errors}<table class="table table-bordered"><thead><tr><th>${__("Account")}</th><th>${__("Carrier")}</th>
		<th>${__("Service")}</th><th>${__("Price")}</th><th>${__("Days")}</th><th></th></tr></thead><tbody>${rows}</tbody></table>`
	);
	dialog.fields_dict.rates.$wrapper.on("click", "button[data-rate]", (event) => {
		// Only the quote's name goes back: the server bought what it quoted, at the carrier's price.
		const rate = message.rates[Number(event.currentTarget.dataset.rate)];
		dialog.hide();
		erp_connectors_call(frm, "buy_label", { quote: rate.quote }).then((result) => {
			if (result && result.requoted) {
				erp_connectors_rates_dialog(frm, result.requoted, is_return, result.message);
			} else {
				erp_connectors_failures(result);
			}
		});
	});
	dialog.show();
}

function erp_connectors_customs(frm) {
	const field = frm.fields_dict.customs_declaration_html;
	if (!field || frm.is_new()) return;
	frappe
		.call({ method: `${SHIPMENT_ACTIONS}.customs_preview`, args: { shipment: frm.doc.name } })
		.then(({ message }) => {
			const esc = frappe.utils.escape_html;
			if (!message || !message.needed) {
				field.$wrapper.html(`<p class="text-muted small">${__("No customs declaration: the parcels stay inside one customs territory.")}</p>`);
				return;
			}
			const rows = message.lines
				.map(
					(line) => `<tr><td>${esc(line.item_code)}</td><td>${esc(line.description || "")}</td>
					<td class="text-right">${esc(String(line.qty))}</td><td class="text-right">${esc(line.value)}</td>
					<td>${esc(line.hs_code || "—")}</td><td>${esc(line.origin || "—")}</td></tr>`
				)
				.join("");
			const problem = message.problem ? `<div class="alert alert-warning">${esc(message.problem)}</div>` : "";
			field.$wrapper.html(
				`${problem}<table class="table table-bordered table-sm"><thead><tr><th>${__("Item")}</th>
				<th>${__("Description")}</th><th>${__("Qty")}</th><th>${__("Value")}</th><th>${__("HS Code")}</th>
				<th>${__("Origin")}</th></tr></thead><tbody>${rows}</tbody></table>`
			);
		});
}
