// Opens a Shipment whose labels were bought (seed one with
// `bench --site SITE execute erp_connectors.shipping_connector.bench_fixtures.seed_desk_shipment`) in
// headless Chromium, logged in to a running bench: the parcel table with each parcel's tracking number,
// status and label, the customs declaration, and the Carrier menu. Fails on any JavaScript error or when
// one of those is missing; writes a screenshot of the form and one of the open Carrier menu.
// Usage: NODE_PATH=<dir with playwright-core> node tools/desk_shipment.mjs http://127.0.0.1:8000 admin SHIPMENT out.png
import { createRequire } from "module";
const require = createRequire(import.meta.url);
const { chromium } = require("playwright-core");

const [base = "http://127.0.0.1:8000", password = "admin", shipment, shot = "shipment.png"] = process.argv.slice(2);
if (!shipment) throw new Error("name the Shipment to open");

const browser = await chromium.launch({
	executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
	args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
const errors = [];
const isRealtimeNoise = (text) => text.includes("/socket.io/") || text.includes("Error connecting to socket.io");
page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
// A failed load is caught, with its URL, by the response listener below.
const isLoadFailure = (text) => text.includes("Failed to load resource");
page.on("console", (m) => {
	if (m.type() === "error" && !isRealtimeNoise(m.text()) && !isLoadFailure(m.text())) errors.push(`console: ${m.text()}`);
});
page.on("response", (r) => { if (r.status() >= 400 && !isRealtimeNoise(r.url())) errors.push(`HTTP ${r.status()} ${r.url()}`); });

const login = await page.request.post(`${base}/api/method/login`, { data: { usr: "Administrator", pwd: password } });
if (!login.ok()) throw new Error(`login failed: ${login.status()}`);

await page.goto(`${base}/app/shipment/${encodeURIComponent(shipment)}`, { waitUntil: "networkidle" });
await page.waitForTimeout(1500);
// The customs table is filled by a call after the form loads.
await page.waitForSelector("[data-fieldname='customs_declaration_html'] table", { timeout: 10000 });

const found = await page.evaluate(() => {
	const frm = cur_frm;
	const rows = (frm.doc.shipment_parcel || []).map((row) => ({
		idx: row.idx,
		tracking: row.carrier_tracking_number,
		status: row.carrier_tracking_status,
		label: row.carrier_label,
	}));
	const customs = [...document.querySelectorAll("[data-fieldname='customs_declaration_html'] tbody tr")].map((tr) =>
		[...tr.querySelectorAll("td")].map((td) => td.textContent.trim())
	);
	const buttons = [...document.querySelectorAll(".inner-group-button .dropdown-item, .btn-group .dropdown-item")]
		.map((a) => a.textContent.trim())
		.filter(Boolean);
	const alert = document.querySelector(".form-headline .alert, .form-headline")?.textContent.trim() || "";
	return { rows, customs, buttons, alert, awb: frm.doc.awb_number, status: frm.doc.tracking_status_info };
});
console.log(JSON.stringify(found, null, 1));
// The parcel table, where each parcel shows its tracking number, status and label.
await page.evaluate(() => document.querySelector("[data-fieldname='shipment_parcel']")?.scrollIntoView({ block: "center" }));
await page.waitForTimeout(400);
await page.screenshot({ path: shot, fullPage: true });
// Parcel 2's row, open: its tracking number, status, label file and tracking info in full.
await page.locator("[data-fieldname='shipment_parcel'] .grid-row[data-idx='2'] .btn-open-row").first().click();
await page.waitForTimeout(600);
await page.screenshot({ path: shot.replace(/\.png$/, "-parcel-2.png") });
await page.keyboard.press("Escape");
await page.waitForTimeout(400);
// The Carrier menu, open.
const carrier = page.locator(".inner-group-button button", { hasText: "Carrier" });
if (await carrier.count()) {
	await carrier.first().click();
	await page.waitForTimeout(400);
	await page.screenshot({ path: shot.replace(/\.png$/, "-carrier-menu.png") });
}
await browser.close();

const problems = [...new Set(errors)];
if (found.rows.filter((row) => row.tracking).length < 2) problems.push("fewer than two parcels with a tracking number");
if (!found.customs.length) problems.push("no customs declaration lines");
if (problems.length) {
	console.error(problems.join("\n"));
	process.exit(1);
}
console.log("Shipment form: parcels, labels and customs shown, no JavaScript errors");
