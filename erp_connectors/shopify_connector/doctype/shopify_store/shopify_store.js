const STORE_ACTIONS = "erp_connectors.shopify_connector.store_actions";
// What Shopify names (the shop, its plan, topics) is text, never markup.
const escape = (value) => frappe.utils.escape_html(String(value ?? ""));

frappe.ui.form.on("Shopify Store", {
	refresh(frm) {
		const url = `${window.location.origin}/api/method/erp_connectors.shopify_connector.integration.webhook`;
		frm.set_intro(
			__("Shopify sends webhooks to {0}. Register Webhooks subscribes every topic we handle.", [
				`<code>${frappe.utils.escape_html(url)}</code>`,
			]),
			"blue"
		);
		const version_warning = frm.doc.__onload && frm.doc.__onload.api_version_warning;
		if (version_warning) frm.set_intro(escape(version_warning), "orange");
		if (frm.is_new()) return;
		const call = (method, args = {}) =>
			frappe.call({ method: `${STORE_ACTIONS}.${method}`, args: { store: frm.doc.name, ...args }, freeze: true });
		const group = __("Shopify");
		// The setup checks these buttons record are shown on the form once nothing is left unsaved.
		const reload_if_clean = () => !frm.is_dirty() && frm.reload_doc();
		// Fetch what the shop holds into the tables, where the admin picks warehouses and accounts.
		frm.fields_dict.locations.grid.add_custom_button(__("Fetch Locations"), () =>
			call("fetch_locations").then(({ message }) =>
				add_fetched_rows(
					frm,
					"locations",
					message.new.map((l) => ({ shopify_location_id: l.shopify_location_id, location_name: l.location_name })),
					__("Shopify has {0} active locations.", [message.locations.length]),
					__("Pick the warehouse each one ships from, then save.")
				)
			)
		);
		frm.fields_dict.tax_accounts.grid.add_custom_button(__("Fetch Tax Titles"), () =>
			call("fetch_tax_titles").then(({ message }) => {
				frm.doc.tax_titles_seen = JSON.stringify(message.titles, null, 1);
				frm.refresh_field("tax_titles_seen");
				add_fetched_rows(
					frm,
					"tax_accounts",
					message.new.map((title) => ({ tax_title: title })),
					__("Shopify's orders of the last 90 days (and the orders held for a tax) carry {0} tax titles.", [message.titles.length]),
					__("Pick the account each is booked to, then save.")
				);
			})
		);
		if (frm.doc.connection_method === "Connect to Shopify (authorization code)") {
			const reconnect = frm.doc.connection_status === "Reconnect Needed";
			if (reconnect) {
				frm.set_intro(__("Shopify no longer accepts this store's refresh token: press Reconnect to Shopify."), "red");
			}
			const label = reconnect ? __("Reconnect to Shopify") : frm.doc.connection_status === "Connected" ? __("Connect Again") : __("Connect to Shopify");
			const button = frm.add_custom_button(label, () =>
				(frm.is_dirty() ? frm.save() : Promise.resolve()).then(() =>
					call("connect_to_shopify").then(({ message }) => (window.location.href = message.url))
				)
			);
			if (frm.doc.connection_status !== "Connected") button.addClass("btn-primary");
		}
		frm.add_custom_button(
			__("Test Connection"),
			() =>
				call("test_connection").then(({ message }) => {
					const missing = message.missing.map((m) => `<li>${escape(m.flow)}: ${escape(m.scopes.join(", "))}</li>`).join("");
					frappe.msgprint({
						title: missing ? __("Connected, but scopes are missing") : __("Connected"),
						indicator: missing ? "orange" : "green",
						message:
							__("Connected to {0} ({1}, plan {2}).", [message.name, message.myshopifyDomain, message.plan.publicDisplayName].map(escape)) +
							"<br>" +
							__("API version {0}; Shopify answered {1}.", [message.api_version, message.answered_version || "-"].map(escape)) +
							"<br>" +
							__("Scopes granted: {0}", [escape(message.granted.join(", ") || "-")]) +
							(missing ? `<br>${__("Missing, and the flow each breaks:")}<ul>${missing}</ul>` : `<br>${__("Every enabled flow has the scopes it needs.")}`),
					});
					reload_if_clean();
				}),
			group
		);
		frm.add_custom_button(
			__("Register Webhooks"),
			() =>
				call("register_webhooks").then(({ message }) => {
					frappe.msgprint(
						__("Subscribed: {0}. Already subscribed: {1}.", [message.created.join(", ") || "-", message.existing.join(", ") || "-"].map(escape))
					);
					reload_if_clean();
				}),
			group
		);
		frm.add_custom_button(__("Sync Now"), () => call("sync_now").then(() => frappe.show_alert(__("Sync queued"))), group);
		frm.add_custom_button(
			__("Link Variants by SKU"),
			() =>
				call("link_variants").then(({ message }) =>
					frappe.msgprint(
						__("Linked {0} variants ({1} were already). No Item for: {2}", [
							message.linked,
							message.already,
							frappe.utils.escape_html(message.unmatched.join(", ")) || "-",
						])
					)
				),
			group
		);
		frm.add_custom_button(
			__("Import Products"),
			() => call("import_products").then(() => frappe.show_alert(__("Product import queued"))),
			group
		);
		frm.add_custom_button(
			__("Push Items"),
			() =>
				call("push_items").then(({ message }) =>
					frappe.msgprint(
						__("Created {0} products in Shopify. Skipped: {1}", [
							message.pushed.length,
							frappe.utils.escape_html(message.skipped.map((s) => s.join(": ")).join("; ")) || "-",
						])
					)
				),
			group
		);
		frm.add_custom_button(
			__("Push Prices Now"),
			() =>
				call("push_prices").then(({ message }) =>
					frappe.msgprint(
						__("Updated {0} variant prices in {1} calls. No price in the list for: {2}", [
							message.changed,
							message.calls,
							frappe.utils.escape_html(message.unpriced.join(", ")) || "-",
						])
					)
				),
			group
		);
		frm.add_custom_button(
			__("Push Stock Now"),
			() =>
				call("push_stock").then(({ message }) =>
					frappe.msgprint(__("Sent {0} quantities in {1} calls.", [message.sent, message.calls]))
				),
			group
		);
		if (frm.doc.sync_payouts) {
			frm.add_custom_button(
				__("Sync Payouts"),
				() =>
					frappe
						.call({ method: "erp_connectors.shopify_connector.payouts_jobs.sync_payouts_now", args: { store: frm.doc.name }, freeze: true })
						.then(({ message }) =>
							frappe.msgprint(__("Shopify lists {0} paid payouts; {1} new ones are being posted (see Connector Event and the Payout Reconciliation report).", [message.found, message.queued]))
						),
				group
			);
		}
		frm.add_custom_button(
			__("Backfill Orders Since"),
			() =>
				frappe.prompt({ fieldtype: "Date", fieldname: "since", label: __("Orders changed since"), reqd: 1 }, ({ since }) =>
					call("backfill_since", { since }).then(() => frm.reload_doc())
				),
			group
		);
	},
});

// Rows the shop holds that the table lacks, added unsaved: the admin completes and saves them.
function add_fetched_rows(frm, table, rows, found, next_step) {
	for (const row of rows) frm.add_child(table, row);
	frm.refresh_field(table);
	const added = rows.length ? __("{0} new rows were added below.", [rows.length]) + " " + next_step : __("Every one is in the table already.");
	frappe.msgprint({ title: __("Fetched from Shopify"), indicator: rows.length ? "blue" : "green", message: `${escape(found)}<br>${escape(added)}` });
	if (rows.length) frm.scroll_to_field(table);
}
