const RETRYABLE = ["Failed", "Held", "Dead"];

frappe.ui.form.on("Connector Event", {
	refresh(frm) {
		if (RETRYABLE.includes(frm.doc.status)) {
			frm.add_custom_button(__("Retry"), () => {
				frappe
					.call({
						method: "erp_connectors.connectors.doctype.connector_event.connector_event.retry_events",
						args: { names: [frm.doc.name] },
						freeze: true,
					})
					.then(() => {
						frappe.show_alert({ message: __("Queued for retry"), indicator: "green" });
						frm.reload_doc();
					});
			});
		}
		if (frm.doc.last_error && RETRYABLE.includes(frm.doc.status)) {
			frm.dashboard.set_headline_alert(frappe.utils.escape_html(frm.doc.last_error), "red");
		}
	},
});
