// The Connectors workspace and the Account Health report in headless Chromium, logged in to a running
// bench: the workspace with its alerts, number cards, cues and charts (each chart must draw), a cue
// opening the list it counts, the report with its verdicts, and a count in it opening the account's
// events. Screenshots go to <out dir>; any JavaScript error fails the run.
// Data: `bench --site SITE execute erp_connectors.connectors.desk_demo.seed` (30 days of events and calls).
// Usage: NODE_PATH=<dir with playwright-core> node tools/desk_workspace.mjs http://127.0.0.1:8015 admin <out dir>
import { createRequire } from "module";
const require = createRequire(import.meta.url);
const { chromium } = require("playwright-core");

const [base = "http://127.0.0.1:8000", password = "admin", out = "."] = process.argv.slice(2);
const browser = await chromium.launch({
	executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
	args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking"],
});
const page = await browser.newPage({ viewport: { width: 1600, height: 1100 } });
await page.addInitScript(() => localStorage.setItem("container_fullwidth", "true"));
const errors = [];
const noise = (t) => t.includes("socket.io") || t.includes("Failed to load resource");
page.on("pageerror", (e) => errors.push(`${page.url()}: ${e.message}`));
page.on("console", (m) => { if (m.type() === "error" && !noise(m.text())) errors.push(`${page.url()}: console: ${m.text()}`); });
page.on("response", (r) => { if (r.status() >= 400 && !noise(r.url())) errors.push(`${page.url()}: HTTP ${r.status()} ${r.url()}`); });
const login = await page.request.post(`${base}/api/method/login`, { data: { usr: "Administrator", pwd: password } });
if (!login.ok()) throw new Error(`login failed: ${login.status()}`);
const fail = (message) => { errors.push(message); };

// 1. The workspace
await page.goto(`${base}/app/connectors`, { waitUntil: "networkidle" });
await page.waitForSelector(".widget.number-widget-box .number", { timeout: 30000 });
await page.waitForFunction(() => document.querySelectorAll(".dashboard-widget-box .chart-container svg, .dashboard-widget-box .frappe-chart").length >= 5, null, { timeout: 30000 }).catch(() => fail("fewer than 5 charts drew"));
await page.waitForTimeout(2500);
const cards = await page.$$eval(".widget.number-widget-box", (els) =>
	els.map((e) => `${e.querySelector(".widget-title")?.innerText.trim()}: ${e.querySelector(".number")?.innerText.trim()}`));
console.log(`number cards (${cards.length}): ${cards.join(" | ")}`);
const charts = await page.$$eval(".widget.dashboard-widget-box", (els) =>
	els.map((e) => {
		const title = e.querySelector(".widget-title")?.innerText.trim();
		const bars = e.querySelectorAll("svg rect.bar, svg .bar").length;
		const lines = e.querySelectorAll("svg path").length;
		const slices = e.querySelectorAll("svg path.pie-path, svg .donut-path, svg path").length;
		const legend = [...e.querySelectorAll(".legend-dataset-label, .chart-legend text, .graph-svg-tip .title")].map((l) => l.textContent.trim()).filter(Boolean).slice(0, 6);
		return `${title}: ${bars} bars, ${lines} paths${legend.length ? `; legend ${legend.join(", ")}` : ""}`;
	}));
charts.forEach((c) => console.log(`chart  ${c}`));
if (charts.length < 5) fail(`expected 5 charts, found ${charts.length}`);
const alerts = await page.locator(".connector-alert").allInnerTexts();
console.log(`alerts: ${alerts.length ? alerts.join(" || ") : "(none)"}`);
const steps = await page.$$eval(".onboarding-step", (els) => els.map((e) => `${e.innerText.trim().split("\n")[0]}${e.classList.contains("complete") ? " ✓" : ""}`));
console.log(`onboarding steps: ${steps.join(" | ")}`);
await page.screenshot({ path: `${out}/workspace.png`, fullPage: true });
await page.locator(".widget.dashboard-widget-box").first().scrollIntoViewIfNeeded();
await page.screenshot({ path: `${out}/workspace_charts.png` });

// 2. A cue opens the list of what it counts
await page.locator(".widget.number-widget-box", { hasText: "Unmapped Shopify SKUs" }).locator(".widget-body").click();
await page.waitForURL(/\/app\/connector-event/, { timeout: 20000 });
await page.waitForTimeout(2000);
const filters = await page.$$eval(".filter-selector .filter-label, .filter-button .button-label", (els) => els.map((e) => e.innerText.trim()));
const listed = await page.$$eval(".list-row-container .list-row", (els) => els.length);
console.log(`cue -> ${new URL(page.url()).pathname} with filters [${filters.join(", ")}]: ${listed} held events listed`);
await page.screenshot({ path: `${out}/cue_unmapped_skus.png` });

// 3. Account Health
await page.goto(`${base}/app/query-report/Account Health`, { waitUntil: "networkidle" });
await page.waitForSelector(".dt-row", { timeout: 20000 });
await page.waitForTimeout(1500);
const rows = await page.$$eval(".dt-scrollable .dt-row", (els) => els.map((e) => e.innerText.replace(/\s+/g, " ").trim()));
console.log(`Account Health: ${rows.length} rows`);
rows.forEach((r) => console.log(`  ${r.slice(0, 260)}`));
const pills = await page.$$eval(".dt-scrollable .indicator-pill", (els) => els.map((e) => e.className.split(" ").find((c) => ["red", "orange", "green", "grey"].includes(c))));
console.log(`indicators: ${JSON.stringify(pills.reduce((acc, c) => ({ ...acc, [c]: (acc[c] || 0) + 1 }), {}))}`);
await page.screenshot({ path: `${out}/account_health.png` });

// 4. A count in the report opens the account's events
const held = page.locator(".dt-scrollable a.indicator-pill.orange").first();
if (await held.count()) {
	const text = await held.innerText();
	await held.click();
	await page.waitForURL(/\/app\/connector-event/, { timeout: 20000 });
	await page.waitForTimeout(2000);
	const shown = await page.$$eval(".list-row-container .list-row", (els) => els.length);
	console.log(`report count ${text} -> ${decodeURIComponent(page.url().replace(base, ""))}: ${shown} events listed`);
	await page.screenshot({ path: `${out}/account_health_drilldown.png` });
} else fail("no orange count to open in Account Health");

await browser.close();
if (errors.length) {
	console.error([...new Set(errors)].join("\n"));
	process.exit(1);
}
console.log("workspace, cue, Account Health and drill-down: no JavaScript errors");
