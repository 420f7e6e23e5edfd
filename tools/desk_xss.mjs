// Opens, as a System Manager in headless Chromium, every Desk page that shows remote text which is
// markup (seeded by erp_connectors.testing.hostile_text.seed), and fails if any of it ran as script.
// Usage: NODE_PATH=<dir with playwright-core> node tools/desk_xss.mjs http://127.0.0.1:8000 admin pages.json
import { readFileSync } from "fs";
import { createRequire } from "module";
const require = createRequire(import.meta.url);
const { chromium } = require("playwright-core");

const [base = "http://127.0.0.1:8000", password = "admin", pagesFile = "pages.json"] = process.argv.slice(2);
const pages = JSON.parse(readFileSync(pagesFile, "utf8"));
const browser = await chromium.launch({
	executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
	args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
const login = await page.request.post(`${base}/api/method/login`, { data: { usr: "Administrator", pwd: password } });
if (!login.ok()) throw new Error(`login failed: ${login.status()}`);

let ran = 0;
for (const { path, url } of pages) {
	await page.goto(base + url, { waitUntil: "networkidle" });
	await page.waitForTimeout(1200);
	const fired = await page.evaluate(() => window.__xss || []);
	const handlers = await page.evaluate(() => document.querySelectorAll("[onerror]").length);
	const shown = (await page.evaluate(() => document.body.innerText)).includes("onerror");
	ran += fired.length + handlers;
	console.log(`${path}\t${url}\tscript ran: ${fired.length ? "YES" : "no"}\tonerror attributes in the page: ${handlers}\tshown as text: ${shown ? "yes" : "no"}`);
	if (process.env.DESK_XSS_SHOTS) {
		const file = url.replace(/[^a-z0-9]+/gi, "_").replace(/^_|_$/g, "");
		await page.screenshot({ path: `${process.env.DESK_XSS_SHOTS}/${file}.png` });
	}
}
await browser.close();
if (ran) {
	console.error(`${ran} script executions or live handlers`);
	process.exit(1);
}
console.log(`${pages.length} pages, nothing ran`);
