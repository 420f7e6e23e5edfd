frappe.provide("frappe.dashboards.chart_sources");

frappe.dashboards.chart_sources["Connector Processing Lag"] = {
	method: "erp_connectors.connectors.dashboard_chart_source.connector_processing_lag.connector_processing_lag.get",
	filters: [],
};
