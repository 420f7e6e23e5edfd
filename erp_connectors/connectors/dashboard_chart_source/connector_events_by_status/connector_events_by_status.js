frappe.provide("frappe.dashboards.chart_sources");

frappe.dashboards.chart_sources["Connector Events by Status"] = {
	method: "erp_connectors.connectors.dashboard_chart_source.connector_events_by_status.connector_events_by_status.get",
	filters: [],
};
