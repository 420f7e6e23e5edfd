frappe.provide("frappe.dashboards.chart_sources");

frappe.dashboards.chart_sources["Connector Calls by Service"] = {
	method: "erp_connectors.connectors.dashboard_chart_source.connector_calls_by_service.connector_calls_by_service.get",
	filters: [],
};
