frappe.ui.form.on("Connector Settings", {});
