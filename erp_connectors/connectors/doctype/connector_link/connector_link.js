frappe.ui.form.on("Connector Link", {});
