frappe.provide("frappe.dashboards.chart_sources");

frappe.dashboards.chart_sources["Connector Call Error Rate"] = {
	method: "erp_connectors.connectors.dashboard_chart_source.connector_call_error_rate.connector_call_error_rate.get",
	filters: [],
};
