// Account Health: one row per Shopify Store, Stripe Account and Carrier Account, with a red, orange or
// green verdict. The counts open the account's events in the Connector Event list.
const HEALTH_COUNTS = {
	backlog: '["in",["Queued","Failed"]]',
	held: "Held",
	dead: "Dead",
};

frappe.query_reports["Account Health"] = {
	filters: [
		{
			fieldname: "account_doctype",
			label: __("Account Type"),
			fieldtype: "Select",
			options: ["", "Shopify Store", "Stripe Account", "Carrier Account"],
		},
		{ fieldname: "show_disabled", label: __("Show Disabled Accounts"), fieldtype: "Check", default: 0 },
	],
	formatter(value, row, column, data, default_formatter) {
		// Errors, reasons and connection words may quote what a remote answered: text, never markup.
		if (column.fieldtype === "Data" && typeof value === "string") value = frappe.utils.escape_html(value);
		if (!data) return default_formatter(value, row, column, data);
		if (column.fieldname === "health") {
			return `<span class="indicator-pill ${data.health_level} filterable">${value}</span>`;
		}
		if (HEALTH_COUNTS[column.fieldname] !== undefined) {
			const count = data[column.fieldname] || 0;
			const colour = !count ? "green" : column.fieldname === "dead" ? "red" : "orange";
			const params = new URLSearchParams({
				account_doctype: data.account_doctype,
				account: data.account,
				status: HEALTH_COUNTS[column.fieldname],
			});
			return `<a href="/app/connector-event?${params}" class="indicator-pill ${colour}">${count}</a>`;
		}
		return default_formatter(value, row, column, data);
	},
};
