// A held Shopify order fixed from its own Connector Event form in headless Chromium: the form lists the
// two SKUs with no Item, Create Item (a dialog prefilled from the Shopify line) for one and Link to
// existing Item for the other; the event then queues itself again, a worker's pass (run here through
// `bench execute`, the walkthrough runs no worker) posts it, and the form shows Processed with its
// Sales Order. Also checks that the event and a call log show no Save button. Fails on any JS error.
// Data: `bench --site SITE execute erp_connectors.connectors.desk_demo.held_order` prints the event.
// Usage: NODE_PATH=<dir with playwright-core> node tools/desk_remedy.mjs <site url> <password> <out dir> \
//          <event> <bench dir> <site> <existing item>
import { execFileSync } from "child_process";
import { createRequire } from "module";
const require = createRequire(import.meta.url);
const { chromium } = require("playwright-core");

const [base, password = "admin", out = ".", eventName, benchDir, site, existing = "DESK-DEMO-FLOOR-RUG"] = process.argv.slice(2);
const browser = await chromium.launch({
	executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
	args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking"],
});
const page = await browser.newPage({ viewport: { width: 1500, height: 1100 } });
const errors = [];
const noise = (t) => t.includes("socket.io") || t.includes("Failed to load resource");
page.on("pageerror", (e) => errors.push(`${page.url()}: ${e.message}`));
page.on("console", (m) => { if (m.type() === "error" && !noise(m.text())) errors.push(`${page.url()}: console: ${m.text()}`); });
page.on("response", (r) => { if (r.status() >= 400 && !noise(r.url())) errors.push(`${page.url()}: HTTP ${r.status()} ${r.url()}`); });
const login = await page.request.post(`${base}/api/method/login`, { data: { usr: "Administrator", pwd: password } });
if (!login.ok()) throw new Error(`login failed: ${login.status()}`);

const url = `${base}/app/connector-event/${eventName}`;
const status = async () => (await page.locator('[data-fieldname="status"] .control-value').first().innerText()).trim();
const remedies = async () =>
	page.$$eval(".connector-remedy", (rows) => rows.map((r) => r.innerText.replace(/\s+/g, " ").trim()));
const saveShown = async () =>
	(await page.locator(".page-actions .primary-action:visible").allInnerTexts()).some((t) => t.trim() === "Save");

await page.goto(url, { waitUntil: "networkidle" });
await page.waitForSelector(".connector-remedy", { timeout: 20000 });
console.log(`event ${eventName}: ${await status()}; Save shown: ${await saveShown()}; Retry shown: ${await page.getByRole("button", { name: "Retry" }).isVisible()}`);
(await remedies()).forEach((r) => console.log(`  fix: ${r}`));
await page.screenshot({ path: `${out}/remedy_1_held.png`, fullPage: true });
if (await saveShown()) errors.push("a Save button on a Connector Event");

// Create Item for the first SKU, from a dialog the server prefilled
const [first, second] = await page.locator(".connector-remedy").all();
await first.locator('button[data-action="create_item"]').click();
const dialog = page.locator(".modal.show");
await dialog.waitFor();
const prefill = {};
for (const field of ["item_code", "item_name", "item_group", "stock_uom"]) {
	prefill[field] = await dialog.locator(`[data-fieldname="${field}"] input`).inputValue();
}
console.log(`Create Item dialog prefilled: ${JSON.stringify(prefill)}`);
await page.screenshot({ path: `${out}/remedy_2_create_item.png` });
await dialog.locator(".btn-primary.btn-modal-primary, .modal-footer .btn-primary").first().click();
await page.waitForFunction(() => document.querySelectorAll(".connector-remedy .indicator-pill.green").length >= 1, null, { timeout: 20000 });
await page.waitForTimeout(800);
console.log(`after Create Item: ${await status()}`);
(await remedies()).forEach((r) => console.log(`  fix: ${r}`));

// Link the second SKU to an Item that exists
await page.locator(".connector-remedy").nth(1).locator('button[data-action="link_item"]').click();
const linkDialog = page.locator(".modal.show");
await linkDialog.waitFor();
const input = linkDialog.locator('[data-fieldname="item"] input');
await input.fill(existing);
await page.waitForTimeout(1200);
await page.locator(".awesomplete ul li", { hasText: existing }).first().click().catch(() => {});
await page.waitForTimeout(400);
await page.screenshot({ path: `${out}/remedy_3_link_item.png` });
await linkDialog.locator(".modal-footer .btn-primary").first().click();
await page.waitForFunction(() => (document.querySelector('[data-fieldname="status"] .control-value')?.innerText || "").includes("Queued"), null, { timeout: 20000 });
await page.waitForSelector(".modal-backdrop", { state: "detached", timeout: 10000 }).catch(() => {});
await page.waitForTimeout(600);
const alertText = [...new Set(await page.locator(".alert-message").allInnerTexts().catch(() => []))];
console.log(`after Link: ${await status()}; alert: ${alertText.join(" | ").replace(/\s+/g, " ")}`);
await page.screenshot({ path: `${out}/remedy_4_queued.png`, fullPage: true });

// A worker's pass
const processed = execFileSync("bench", ["--site", site, "execute", "erp_connectors.connectors.desk_demo.process", "--args", JSON.stringify([eventName])], { cwd: benchDir, encoding: "utf8" }).trim();
console.log(`worker: ${processed}`);
await page.goto(url, { waitUntil: "networkidle" });
await page.waitForTimeout(1000);
const result = (await page.locator('[data-fieldname="reference_name"] .control-value').first().innerText()).trim();
console.log(`after the worker: ${await status()}; result: ${result}; Save shown: ${await saveShown()}`);
await page.screenshot({ path: `${out}/remedy_5_processed.png`, fullPage: true });
if ((await status()) !== "Processed") errors.push(`the event ended ${await status()}`);

await page.goto(`${base}/app/sales-order/${result}`, { waitUntil: "networkidle" });
await page.waitForSelector('[data-fieldname="items"] .grid-body .rows .grid-row', { timeout: 20000 });
const items = await page.$$eval('[data-fieldname="items"] .grid-body .rows .grid-row [data-fieldname="item_code"]', (els) => els.map((e) => e.innerText.trim()));
console.log(`Sales Order ${result}: items ${items.join(", ")}`);
await page.screenshot({ path: `${out}/remedy_6_sales_order.png` });

// A call log is a record too
const log = JSON.parse(execFileSync("bench", ["--site", site, "execute", "frappe.db.get_value", "--args", JSON.stringify(["Connector Call Log", {}, "name"])], { cwd: benchDir, encoding: "utf8" }).trim());
await page.goto(`${base}/app/connector-call-log/${log}`, { waitUntil: "networkidle" });
await page.waitForTimeout(1000);
console.log(`Connector Call Log ${log}: Save shown: ${await saveShown()}`);
if (await saveShown()) errors.push("a Save button on a Connector Call Log");
await page.screenshot({ path: `${out}/remedy_7_call_log.png` });

await browser.close();
if (errors.length) {
	console.error([...new Set(errors)].join("\n"));
	process.exit(1);
}
console.log("held order fixed from its own form: no JavaScript errors");
