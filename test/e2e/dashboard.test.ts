/**
 * The dashboard in a real browser (Debian's chromium through playwright-core): log in, see
 * a route, find an event by its id, replay a dead letter. Saves a screenshot to
 * test-results/dashboard.png. CI installs chromium; elsewhere the test is skipped with a
 * note when /usr/bin/chromium is missing.
 */
import { sign as octokitSign } from "@octokit/webhooks-methods";
import { existsSync, mkdirSync } from "node:fs";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { ADMIN_TOKEN, startGateway, startOrigin, type Gateway, type Origin } from "./helpers";

const CHROMIUM = "/usr/bin/chromium";
const available = existsSync(CHROMIUM);
if (!available && !process.env.CI) console.warn(`dashboard test skipped: ${CHROMIUM} not found (apt-get install chromium)`);

let gateway: Gateway;
let origin: Origin;
let browser: Browser;

beforeAll(async () => {
  if (!available && !process.env.CI) return;
  [gateway, origin] = await Promise.all([startGateway(), startOrigin()]);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await gateway?.stop();
  await origin?.close();
});

it.skipIf(!available && !process.env.CI)("logs in, sees a route, finds an event by id and replays a dead letter", async () => {
  const route = (id: string, extra: object) => ({ id, host: "*", path: `/hooks/${id}`, origin: origin.url, auth: { methods: [{ type: "hmac", preset: "github", secrets: ["dash"] }] }, ...extra });
  expect((await gateway.admin("PUT", "/routes/payments", route("payments", { observability: { storeBodies: true } }))).status).toBe(200);
  expect((await gateway.admin("PUT", "/routes/orders", route("orders", { delivery: { mode: "queue", maxAttempts: 1 } }))).status).toBe(200);

  const send = async (id: string, delivery: string, body: string, valid = true) =>
    fetch(`${gateway.url}/hooks/${id}`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-github-delivery": delivery, "x-hub-signature-256": valid ? await octokitSign("dash", body) : "sha256=00" },
      body,
    });
  for (let i = 0; i < 6; i++) await send("payments", `pay-${i}`, JSON.stringify({ payment: i }));
  await send("payments", "forged-1", "{}", false);
  // the origin refuses this one permanently: it lands in the dead letters
  origin.respond = (req) => (req.url.startsWith("/hooks/orders") ? { status: 410 } : { status: 200, body: "ok" });
  await send("orders", "order-1", '{"order":1}');
  for (let i = 0; i < 50; i++) {
    const dead = (await (await gateway.admin("GET", "/routes/orders/dead-letters")).json()) as { events: unknown[] };
    if (dead.events.length === 1) break;
    await new Promise((r) => setTimeout(r, 100));
  }

  const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
  await page.goto(`${gateway.url}/__gateway/dashboard`);

  await page.fill("#token", "wrong-token");
  await page.click("button[type=submit]");
  await expect.poll(() => page.textContent("#login-error")).toContain("refused");

  await page.fill("#token", ADMIN_TOKEN);
  await page.click("button[type=submit]");
  await page.waitForSelector("#routes tbody tr");
  errors.length = 0; // the refused login above logged its 401; from here on nothing may fail
  expect(await page.textContent("#routes")).toContain("payments");

  // find an event by its id
  await page.selectOption("#route", "payments");
  await page.fill("#event-id", "pay-3");
  await page.click("#search");
  await expect.poll(() => page.locator("#events tbody tr").count()).toBe(1);
  expect(await page.textContent("#events tbody")).toContain("pay-3");
  await page.click("#events tbody tr");
  await page.waitForSelector("#detail:not([hidden])");
  expect(await page.textContent("#detail")).toContain('{"payment":3}');
  expect(await page.textContent("#detail")).toContain("[masked");

  // replay the dead letter; the origin now accepts it
  origin.respond = () => ({ status: 200, body: "ok" });
  await page.fill("#event-id", "");
  await page.selectOption("#route", "orders");
  await page.waitForSelector("#dead tbody tr button");
  await page.click("#dead tbody tr button");
  await expect.poll(() => page.textContent("#dead tbody")).toContain("Replayed");
  await expect.poll(() => origin.received.filter((r) => r.url.startsWith("/hooks/orders")).length, { timeout: 10_000 }).toBe(2);

  await page.selectOption("#route", "payments");
  await page.waitForTimeout(300);
  mkdirSync("test-results", { recursive: true });
  await page.screenshot({ path: "test-results/dashboard.png", fullPage: true });
  expect(errors).toEqual([]);
}, 120_000);
