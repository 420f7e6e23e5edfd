// Opens the money pages in headless Chromium, logged in to a running bench: the Payout Reconciliation
// report for a period (screenshot), a Connector Payout, a Shopify Store's Payments and Payouts section,
// and a Stripe credit note with its Refund via Stripe action; fails on any JavaScript error.
// Usage: NODE_PATH=<dir with playwright-core> node tools/desk_money.mjs http://127.0.0.1:8000 admin <out dir> \
//          "<report query string>" [payout name] [store name] [credit note]
import { createRequire } from "module";
const require = createRequire(import.meta.url);
const { chromium } = require("playwright-core");

const [base, password = "admin", out = ".", query = "", payout, store, creditNote] = process.argv.slice(2);
const browser = await chromium.launch({
	executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
	args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking"],
});
const page = await browser.newPage({ viewport: { width: 2300, height: 1000 } });
// Desk's own "Toggle Full Width" setting, so the report's columns fit the screenshot.
await page.addInitScript(() => localStorage.setItem("container_fullwidth", "true"));
const errors = [];
const noise = (t) => t.includes("/socket.io/") || t.includes("socket.io") || t.includes("Failed to load resource");
page.on("pageerror", (e) => errors.push(`${page.url()}: ${e.message}`));
page.on("console", (m) => { if (m.type() === "error" && !noise(m.text())) errors.push(`${page.url()}: console: ${m.text()}`); });
page.on("dialog", (d) => { errors.push(`${page.url()}: a dialog opened: ${d.message()}`); d.dismiss(); });
const login = await page.request.post(`${base}/api/method/login`, { data: { usr: "Administrator", pwd: password } });
if (!login.ok()) throw new Error(`login failed: ${login.status()}`);

await page.goto(`${base}/app/query-report/Payout Reconciliation?${query}`, { waitUntil: "networkidle" });
await page.waitForSelector(".dt-row", { timeout: 20000 });
await page.waitForTimeout(1500);
const rows = await page.$$eval(".dt-scrollable .dt-row", (els) => els.map((e) => e.innerText.replace(/\s+/g, " ").trim()));
console.log(`report: ${rows.length} rows shown`);
rows.slice(0, 12).forEach((r) => console.log("  " + r.slice(0, 220)));
await page.screenshot({ path: `${out}/payout_reconciliation.png`, fullPage: false });

for (const [path, file, wait] of [
	payout && [`/app/connector-payout/${payout}`, "connector_payout.png", ".form-layout"],
	store && [`/app/shopify-store/${store}`, "shopify_store_payments.png", ".form-layout"],
	creditNote && [`/app/sales-invoice/${creditNote}`, "credit_note.png", ".form-layout"],
].filter(Boolean)) {
	await page.goto(base + path, { waitUntil: "networkidle" });
	await page.waitForSelector(wait, { timeout: 20000 });
	await page.waitForTimeout(1500);
	if (file === "shopify_store_payments.png") {
		const section = await page.$("text=Payments and Payouts");
		if (section) await section.scrollIntoViewIfNeeded();
		await page.waitForTimeout(500);
	}
	const buttons = await page.$$eval(".page-actions button, .form-inner-toolbar button, .inner-group-button button", (els) => els.map((e) => e.innerText.trim()).filter(Boolean));
	const headline = await page.$eval(".form-dashboard, .form-headline", (e) => e.innerText.trim()).catch(() => "");
	console.log(`${path}: buttons [${buttons.join(" | ")}]${headline ? `; headline: ${headline.slice(0, 200)}` : ""}`);
	await page.screenshot({ path: `${out}/${file}`, fullPage: false });
}
await browser.close();
if (errors.length) {
	console.error([...new Set(errors)].join("\n"));
	process.exit(1);
}
console.log("no JavaScript errors");
