// Connect to Shopify in headless Chromium: the Shopify Store form's button, the (fake) Shopify
// authorize page, Install, and back to the form, which must then show the store as Connected.
// Usage: NODE_PATH=<dir with playwright-core> node tools/shopify_connect.mjs <site url> <password> <store> <out dir>
import { createRequire } from "module";
const require = createRequire(import.meta.url);
const { chromium } = require("playwright-core");

const [base, password = "admin", store, out = "."] = process.argv.slice(2);
const browser = await chromium.launch({
	executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
	// A site named *.localhost: Chromium resolves it to this machine itself, Node may not.
	args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
		`--host-resolver-rules=MAP ${new URL(base).hostname} 127.0.0.1`],
});
const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
const errors = [];
page.on("pageerror", (e) => errors.push(`${page.url()}: ${e.message}`));

await page.goto(`${base}/login`, { waitUntil: "domcontentloaded" });
const status = await page.evaluate(async (pwd) => {
	const r = await fetch("/api/method/login", {
		method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ usr: "Administrator", pwd }),
	});
	return r.status;
}, password);
if (status !== 200) throw new Error(`login failed: ${status}`);

await page.goto(`${base}/app/shopify-store/${store}`, { waitUntil: "networkidle" });
await page.waitForTimeout(800);
await page.screenshot({ path: `${out}/1_store_before.png` });
const before = (await page.locator('[data-fieldname="connection_status"] .control-value').first().innerText()).trim();
console.log(`before: ${before}`);

await page.getByRole("button", { name: "Connect to Shopify" }).click();
await page.waitForURL(/\/admin\/oauth\/authorize/, { timeout: 20000 });
console.log(`authorize page: ${page.url().split("?")[0]} scopes: ${await page.locator("#scopes").innerText()}`);
await page.screenshot({ path: `${out}/2_authorize.png` });

await page.click("#install");
await page.waitForURL(new RegExp(`/app/shopify-store/${store.replace(/\./g, "\\.")}`), { timeout: 20000 });
await page.waitForLoadState("networkidle");
await page.waitForTimeout(1000);
const after = (await page.locator('[data-fieldname="connection_status"] .control-value').first().innerText()).trim();
console.log(`back on ${new URL(page.url()).pathname}; after: ${after}`);
await page.screenshot({ path: `${out}/3_store_connected.png`, fullPage: true });
await browser.close();
if (errors.length) {
	console.error(errors.join("\n"));
	process.exit(1);
}
if (after !== "Connected") process.exit(1);
console.log("Connect to Shopify round-trip: OK");
