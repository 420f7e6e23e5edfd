const RETRYABLE = ["Failed", "Held", "Dead"];
const EVENT_METHODS = "erp_connectors.connectors.doctype.connector_event.connector_event";
const REMEDY_METHODS = "erp_connectors.connectors.remedy_actions";
// Remedy titles and labels carry remote text (SKUs, product and tax titles): text, never markup.
const escape_text = (value) => frappe.utils.escape_html(String(value ?? ""));

frappe.ui.form.on("Connector Event", {
	refresh(frm) {
		// A record of what a remote sent and what became of it: nothing on it is edited.
		frm.disable_save();
		const can_retry = frappe.model.can_write("Connector Event");
		if (RETRYABLE.includes(frm.doc.status) && can_retry) {
			frm.add_custom_button(__("Retry"), () => {
				frappe
					.call({ method: `${EVENT_METHODS}.retry_events`, args: { names: [frm.doc.name] }, freeze: true })
					.then(() => {
						frappe.show_alert({ message: __("Queued for retry"), indicator: "green" });
						frm.reload_doc();
					});
			});
		}
		if (frm.doc.last_error && RETRYABLE.includes(frm.doc.status)) {
			frm.dashboard.set_headline_alert(escape_text(frm.doc.last_error), "red");
		}
		render_remedies(frm);
	},
});

// Any remedy kind is drawn the same way: what is wrong, whether it is resolved, and one button per
// action the server offers; a button opens a dialog of the action's fields, prefilled by the server.
function render_remedies(frm) {
	const wrapper = frm.get_field("remedies_html").$wrapper;
	wrapper.empty();
	if (frm.doc.status !== "Held" || !frm.doc.remedies) return;
	frappe.call({ method: `${REMEDY_METHODS}.remedies_of`, args: { event: frm.doc.name } }).then(({ message }) => {
		if (!message || !message.remedies.length) return;
		const list = $('<div class="connector-remedies"></div>');
		for (const remedy of message.remedies) {
			const row = $('<div class="connector-remedy d-flex align-items-center justify-content-between border-bottom py-2"></div>');
			row.attr("data-remedy", remedy.key);
			const what = $("<div></div>");
			$('<span class="indicator-pill"></span>')
				.addClass(remedy.resolved ? "green" : "orange")
				.text(remedy.resolved ? __("Resolved") : __("To fix"))
				.appendTo(what);
			$('<span class="ml-2 remedy-title"></span>').text(remedy.title).appendTo(what);
			if (remedy.resolution) $('<span class="ml-2 text-muted"></span>').text(`→ ${remedy.resolution}`).appendTo(what);
			const buttons = $("<div></div>");
			for (const action of remedy.actions) {
				$('<button class="btn btn-xs ml-2"></button>')
					.addClass(action.primary ? "btn-primary" : "btn-default")
					.attr("data-action", action.name)
					.text(action.label)
					.on("click", () => open_remedy_action(frm, remedy, action))
					.appendTo(buttons);
			}
			row.append(what, buttons).appendTo(list);
		}
		const open = message.remedies.filter((r) => !r.resolved).length;
		$('<div class="text-muted small mt-2"></div>')
			.text(
				open
					? __("{0} of {1} to fix. The event is retried as soon as all are resolved.", [open, message.remedies.length])
					: __("All resolved: press Retry.")
			)
			.appendTo(list);
		wrapper.append(list);
	});
}

function open_remedy_action(frm, remedy, action) {
	const dialog = new frappe.ui.Dialog({
		title: escape_text(action.label),
		fields: [{ fieldtype: "HTML", fieldname: "remedy_title", options: `<p class="text-muted">${escape_text(remedy.title)}</p>` }, ...action.fields],
		primary_action_label: escape_text(action.label),
		primary_action(values) {
			delete values.remedy_title;
			frappe
				.call({
					method: `${REMEDY_METHODS}.apply_remedy`,
					args: { event: frm.doc.name, key: remedy.key, action: action.name, values },
					freeze: true,
				})
				.then(({ message }) => {
					dialog.hide();
					const done = message.retried ? ` ${__("Every fix is in: the event is queued again.")}` : "";
					frappe.show_alert({ message: escape_text(message.message) + escape_text(done), indicator: "green" }, 7);
					frm.reload_doc();
				});
		},
	});
	dialog.show();
}
