"""Custom HTML Blocks of the Connectors workspace. A Custom HTML Block belongs to no module, so
migrate cannot sync it from a module folder: after_migrate (and after_install) writes it from the
files here, so every site has the version the app ships."""

from pathlib import Path

import frappe

HERE = Path(__file__).parent
BLOCKS = {"Connector Alerts": "connector_alerts"}


def ensure():
	for name, stem in BLOCKS.items():
		values = {
			"html": (HERE / f"{stem}.html").read_text(),
			"script": (HERE / f"{stem}.js").read_text(),
			"style": "",
			"private": 0,
		}
		if frappe.db.exists("Custom HTML Block", name):
			doc = frappe.get_doc("Custom HTML Block", name)
			if all(doc.get(key) == value for key, value in values.items()):
				continue
			doc.update(values)
			doc.save(ignore_permissions=True)
		else:
			frappe.get_doc({"doctype": "Custom HTML Block", "name": name, **values}).insert(
				ignore_permissions=True, set_name=name
			)
