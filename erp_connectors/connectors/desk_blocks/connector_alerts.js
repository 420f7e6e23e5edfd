// Connector Alerts (a Custom HTML Block on the Connectors workspace): what needs a person now, such as a
// Shopify store to reconnect. Each alert opens what it is about. Messages name stores: text, never markup.
const box = root_element.querySelector(".connector-alerts");
frappe.call("erp_connectors.connectors.cues.alerts").then(({ message }) => {
	box.replaceChildren();
	const alerts = message || [];
	if (!alerts.length) {
		const calm = document.createElement("div");
		calm.className = "alert alert-success mb-0";
		calm.textContent = __("No store needs reconnecting and no event is dead.");
		box.appendChild(calm);
		return;
	}
	for (const alert of alerts) {
		const row = document.createElement("div");
		row.className = `alert ${alert.level === "red" ? "alert-danger" : "alert-warning"} mb-2 connector-alert`;
		row.style.cursor = "pointer";
		row.textContent = alert.message;
		row.addEventListener("click", () => {
			if (alert.route_options) frappe.route_options = alert.route_options;
			frappe.set_route(...alert.route);
		});
		box.appendChild(row);
	}
});
