frappe.ui.form.on("Connector Call Log", {
	refresh(frm) {
		// A record of a call: nothing on it is for editing.
		frm.disable_save();
	},
});
