frappe.ui.form.on("Connector Call Log", {});
