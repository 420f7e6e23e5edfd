// Opens the Connectors workspace and every doctype form of the app in headless
// Chromium, logged in to a running bench, and fails on any JavaScript error.
// Usage: NODE_PATH=<dir with playwright-core> node tools/desk_smoke.mjs http://127.0.0.1:8000 admin out.png
import { createRequire } from "module";
const require = createRequire(import.meta.url);
const { chromium } = require("playwright-core");

const [base = "http://127.0.0.1:8000", password = "admin", shot = "desk.png"] = process.argv.slice(2);
const PAGES = [
	"/app/connectors",
	"/app/connector-event",
	"/app/connector-link",
	"/app/connector-call-log",
	"/app/connector-settings",
	"/app/shopify-store/new",
	"/app/stripe-account/new",
	"/app/carrier-account/new",
];
const EXTRA = (process.env.DESK_SMOKE_EXTRA || "").split(",").filter(Boolean);

const browser = await chromium.launch({
	executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
	args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
const errors = [];
// `bench serve` has no proxy to the realtime (socket.io) server; its polling 404s are not app errors.
const isRealtimeNoise = (text) => text.includes("/socket.io/") || text.includes("Error connecting to socket.io");
page.on("pageerror", (e) => errors.push(`${page.url()}: ${e.message}`));
page.on("console", (m) => { if (m.type() === "error") errors.push(`${page.url()}: console: ${m.text()}`); });
page.on("response", (r) => { if (r.status() >= 400) errors.push(`${page.url()}: HTTP ${r.status()} ${r.url()}`); });

const login = await page.request.post(`${base}/api/method/login`, { data: { usr: "Administrator", pwd: password } });
if (!login.ok()) throw new Error(`login failed: ${login.status()}`);

for (const path of [...PAGES, ...EXTRA]) {
	await page.goto(base + path, { waitUntil: "networkidle" });
	await page.waitForTimeout(800);
	const title = await page.title();
	console.log(`${path}\t${title}`);
	if (path === "/app/connectors") await page.screenshot({ path: shot, fullPage: true });
	if (process.env.DESK_SMOKE_SHOTS) {
		const file = path.replace(/[^a-z0-9]+/gi, "_").replace(/^_|_$/g, "") || "root";
		await page.screenshot({ path: `${process.env.DESK_SMOKE_SHOTS}/${file}.png` });
	}
}
await browser.close();
const appErrors = errors.filter((e) => !isRealtimeNoise(e) && !e.includes("Failed to load resource"));
const failedLoads = errors.filter((e) => e.includes("HTTP ") && !isRealtimeNoise(e));
if (appErrors.length || failedLoads.length) {
	console.error([...new Set([...appErrors, ...failedLoads])].join("\n"));
	process.exit(1);
}
console.log(`${PAGES.length + EXTRA.length} pages, no JavaScript errors`);
