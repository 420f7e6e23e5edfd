// Payout Reconciliation: each payout of a store or Stripe account in the period, what it settled,
// what is left in the clearing account for it (zero when settled), and what is not paid out yet.
frappe.query_reports["Payout Reconciliation"] = {
	filters: [
		{ fieldname: "company", label: __("Company"), fieldtype: "Link", options: "Company", reqd: 1, default: frappe.defaults.get_user_default("Company") },
		{ fieldname: "from_date", label: __("From Date"), fieldtype: "Date", reqd: 1, default: frappe.datetime.add_months(frappe.datetime.get_today(), -1) },
		{ fieldname: "to_date", label: __("To Date"), fieldtype: "Date", reqd: 1, default: frappe.datetime.get_today() },
		{ fieldname: "account_doctype", label: __("Account Type"), fieldtype: "Select", options: ["", "Shopify Store", "Stripe Account"] },
		{ fieldname: "account", label: __("Store or Stripe Account"), fieldtype: "Dynamic Link", options: "account_doctype" },
		{ fieldname: "show_transactions", label: __("Show Each Transaction"), fieldtype: "Check", default: 1 },
	],
	tree: true,
	name_field: "row_id",
	parent_field: "parent_row",
	initial_depth: 1,
	formatter(value, row, column, data, default_formatter) {
		// Order names, adjustment reasons and ids come from Shopify or Stripe: text, never markup.
		if (column.fieldtype === "Data" && typeof value === "string") value = frappe.utils.escape_html(value);
		value = default_formatter(value, row, column, data);
		if (data && column.fieldname === "left_in_clearing" && data.left_in_clearing) {
			value = `<span style="color: var(--red-600)">${value}</span>`;
		}
		if (data && data.indent === 0) value = `<b>${value}</b>`;
		return value;
	},
};
