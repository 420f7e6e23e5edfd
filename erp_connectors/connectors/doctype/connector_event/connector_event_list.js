const CONNECTOR_EVENT_COLORS = {
	Queued: "blue",
	Processing: "orange",
	Processed: "green",
	Failed: "orange",
	Held: "yellow",
	Dead: "red",
};

frappe.listview_settings["Connector Event"] = {
	add_fields: ["status", "last_error"],
	get_indicator(doc) {
		return [__(doc.status), CONNECTOR_EVENT_COLORS[doc.status] || "gray", "status,=," + doc.status];
	},
	onload(listview) {
		listview.page.add_action_item(__("Retry"), () => {
			const names = listview.get_checked_items(true);
			frappe
				.call({
					method: "erp_connectors.connectors.doctype.connector_event.connector_event.retry_events",
					args: { names },
					freeze: true,
				})
				.then((r) => {
					frappe.show_alert({ message: __("{0} events queued for retry", [r.message]), indicator: "green" });
					listview.refresh();
				});
		});
	},
};
