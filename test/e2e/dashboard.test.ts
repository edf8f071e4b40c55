/**
 * The dashboard in a real browser (Debian's chromium through playwright-core): log in, see
 * a route, find an event by its id, replay a dead letter; a route's destinations with their
 * filters, counts and dead letters, a filtered event, reloads and a second tab. Saves a screenshot to
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

const send = async (id: string, delivery: string, body: string, valid = true, event?: string) =>
  fetch(`${gateway.url}/hooks/${id}`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-github-delivery": delivery,
      "x-hub-signature-256": valid ? await octokitSign("dash", body) : "sha256=00",
      ...(event !== undefined && { "x-github-event": event }),
    },
    body,
  });

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
  const route = (id: string, extra: object) => ({ id, host: "*", path: `/hooks/${id}`, origin: origin.url, auth: { methods: [{ type: "provider", provider: "github", secrets: ["dash"] }] }, ...extra });
  expect((await gateway.admin("PUT", "/routes/payments", route("payments", { observability: { storeBodies: true } }))).status).toBe(200);
  expect((await gateway.admin("PUT", "/routes/orders", route("orders", { delivery: { mode: "queue", maxAttempts: 1 } }))).status).toBe(200);

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

  // Replay all: a dry run first, the count confirmed, then sent.
  origin.respond = (req) => (req.url.startsWith("/hooks/orders") ? { status: 410 } : { status: 200, body: "ok" });
  for (let i = 2; i <= 3; i++) await send("orders", `order-${i}`, `{"order":${i}}`);
  await expect.poll(async () => ((await (await gateway.admin("GET", "/routes/orders/dead-letters")).json()) as { events: unknown[] }).events.length, { timeout: 10_000 }).toBe(2);
  origin.respond = () => ({ status: 200, body: "ok" });
  const asked: string[] = [];
  page.once("dialog", (d) => {
    asked.push(d.message());
    void d.accept();
  });
  await page.click("#replay-all");
  await expect.poll(() => page.textContent("#dead-note")).toBe("2 dead letter(s) back in the queue.");
  expect(asked).toEqual(["Send 2 dead letter(s) of orders back to the origin?"]);
  await expect.poll(() => origin.received.filter((r) => r.url.startsWith("/hooks/orders")).length, { timeout: 10_000 }).toBe(6);

  expect(errors).toEqual([]);
}, 120_000);

it.skipIf(!available && !process.env.CI)("shows every route's events in one view, provider names and reasons in words; pauses and resumes a route from its row", async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
  await page.goto(`${gateway.url}/__gateway/dashboard`);
  await page.fill("#token", ADMIN_TOKEN);
  await page.click("button[type=submit]");
  await page.waitForSelector("#routes tbody tr");
  expect(await page.textContent("#routes tbody")).toContain("github"); // the provider, not "hmac"

  await page.selectOption("#route", "*");
  await expect.poll(() => page.textContent("#events tbody")).toContain("orders");
  const all = (await page.textContent("#events tbody"))!;
  expect(all).toContain("payments");
  expect(all).toContain("signature does not match"); // the forged request's reason, in words
  expect(await page.isVisible("#dead-section")).toBe(false);

  const button = '#routes button[data-route="payments"]';
  await page.click(button);
  await expect.poll(() => page.textContent(button)).toBe("Resume");
  expect(await page.textContent("#routes tbody")).toContain("paused");
  expect((await send("payments", "while-paused", '{"while":"paused"}')).status).toBe(202);
  await page.waitForTimeout(1000);
  const held = () => origin.received.filter((r) => r.body.toString() === '{"while":"paused"}').length;
  expect(held()).toBe(0);
  await page.click("#refresh");
  await page.waitForTimeout(300);
  mkdirSync("test-results", { recursive: true });
  await page.screenshot({ path: "test-results/dashboard.png", fullPage: true });

  await page.click(button);
  await expect.poll(() => page.textContent(button)).toBe("Pause");
  await expect.poll(held, { timeout: 10_000 }).toBe(1);
  expect(errors).toEqual([]);
  await page.close();
}, 60_000);

it.skipIf(!available && !process.env.CI)("shows a route's destinations with filters, counts and dead letters, a filtered event as filtered, and an event's destinations", async () => {
  const auth = { methods: [{ type: "provider", provider: "github", secrets: ["dash"] }] };
  const ciFilter = { headers: { "x-github-event": "push" } };
  const ciTransform = { headers: { set: { "x-team": "ci" } } };
  // billing takes every event and answers the provider; ci only pushes, queued, one attempt
  const fanout = {
    id: "fanout", host: "*", path: "/hooks/fanout", auth,
    destinations: [
      { id: "billing", url: `${origin.url}/billing`, primary: true },
      { id: "ci", url: `${origin.url}/ci`, filter: ciFilter, transform: ciTransform, delivery: { maxAttempts: 1 } },
    ],
  };
  expect((await gateway.admin("PUT", "/routes/fanout", fanout)).status).toBe(200);
  // its only destination filters: an event it does not take is answered 200 and recorded as filtered
  expect((await gateway.admin("PUT", "/routes/deploys", { id: "deploys", host: "*", path: "/hooks/deploys", auth, destinations: [{ id: "ci", url: `${origin.url}/ci`, filter: ciFilter }] })).status).toBe(200);

  const at = (prefix: string) => origin.received.filter((r) => r.url.startsWith(prefix));
  origin.respond = () => ({ status: 200, body: "ok" });
  expect((await send("fanout", "dash-push-1", '{"ref":"refs/heads/main"}', true, "push")).status).toBe(200);
  await expect.poll(() => at("/ci/hooks/fanout").length, { timeout: 10_000 }).toBe(1);
  expect(at("/ci/hooks/fanout")[0]!.headers["x-team"]).toBe("ci");
  expect((await send("fanout", "dash-issue-1", '{"action":"opened"}', true, "issues")).status).toBe(200);
  const filtered = await send("deploys", "dash-deploy-1", '{"action":"opened"}', true, "issues");
  expect(filtered.status).toBe(200);
  expect(await filtered.json()).toMatchObject({ filtered: true });
  // ci refuses this push for good: a dead letter in ci's own queue, not the route's
  origin.respond = (req) => (req.url.startsWith("/ci/") ? { status: 410 } : { status: 200, body: "ok" });
  expect((await send("fanout", "dash-push-2", '{"ref":"refs/heads/fix"}', true, "push")).status).toBe(200);
  const deadOf = async (query: string) => ((await (await gateway.admin("GET", `/routes/fanout/dead-letters${query}`)).json()) as { events: unknown[] }).events.length;
  await expect.poll(() => deadOf("?destination=ci"), { timeout: 10_000 }).toBe(1);
  expect(await deadOf("")).toBe(0);
  origin.respond = () => ({ status: 200, body: "ok" });
  type Listed = { destinations: { id: string; counts: Record<string, number> }[] };
  await expect
    .poll(async () => ((await (await gateway.admin("GET", "/routes/fanout/destinations")).json()) as Listed).destinations.map((d) => [d.id, d.counts]), { timeout: 10_000 })
    .toEqual([
      ["billing", { forwarded: 3 }],
      ["ci", { queued: 2, filtered: 1, delivered: 1, dead_lettered: 1 }],
    ]);

  const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
  await page.goto(`${gateway.url}/__gateway/dashboard`);
  await page.fill("#token", ADMIN_TOKEN);
  await page.click("button[type=submit]");
  await page.waitForSelector("#routes tbody tr");
  const row = (id: string) => page.locator("#routes tbody tr", { has: page.locator(`button[data-route="${id}"]`) });
  expect(await row("fanout").textContent()).toContain("2 destinations");
  // a filtered event was answered: the route is healthy, not failing
  expect(await row("deploys").textContent()).toContain("filtered 1");
  expect(await row("deploys").locator(".badge").textContent()).toBe("ok");
  expect(await page.isVisible("#destinations-section")).toBe(false);
  // a route with one origin has no Destinations panel
  await page.selectOption("#route", "payments");
  await page.waitForSelector("#dead-section:not([hidden])");
  expect(await page.isVisible("#destinations-section")).toBe(false);
  expect(await page.isVisible("#dead-destination")).toBe(false);

  // open the route from its row: the panel lists both destinations, as configured, with their counts
  await row("fanout").locator("td").first().click();
  await page.waitForSelector('#destinations tbody tr[data-destination="ci"]');
  expect(await page.locator("#destinations tbody tr").count()).toBe(2);
  const billing = (await page.textContent('#destinations tr[data-destination="billing"]'))!;
  expect(billing).toContain(`${origin.url}/billing`);
  expect(billing).toContain("primary, sync");
  expect(billing).toContain("forwarded 3");
  const ci = (await page.textContent('#destinations tr[data-destination="ci"]'))!;
  expect(ci).toContain(`${origin.url}/ci`);
  expect(ci).not.toContain("primary");
  expect(ci).toContain("queue");
  expect(ci).toContain(JSON.stringify(ciFilter));
  expect(ci).toContain(JSON.stringify(ciTransform));
  for (const count of ["queued 2", "delivered 1", "filtered 1", "dead_lettered 1"]) expect(ci).toContain(count);
  expect(await page.getAttribute('#destinations tr[data-destination="ci"] span.filtered', "class")).toBe("filtered");

  // the dead letter is listed under its destination and replayed from ci's queue
  await page.waitForSelector('#dead tbody tr button[data-destination="ci"]');
  expect(await page.isVisible("#dead-destination")).toBe(true);
  expect(await page.locator("#dead tbody tr").count()).toBe(1);
  expect(await page.textContent("#dead tbody tr td")).toBe("ci");
  await page.click('#dead tbody tr button[data-destination="ci"]');
  await expect.poll(() => page.textContent("#dead tbody")).toContain("Replayed");
  await expect.poll(() => at("/ci/hooks/fanout").length, { timeout: 10_000 }).toBe(3);
  await expect.poll(() => deadOf("?destination=ci"), { timeout: 10_000 }).toBe(0);
  // Replay all: each destination's dead letters, counted by destination in the question
  origin.respond = (req) => (req.url.startsWith("/ci/") ? { status: 410 } : { status: 200, body: "ok" });
  expect((await send("fanout", "dash-push-3", '{"ref":"refs/heads/next"}', true, "push")).status).toBe(200);
  await expect.poll(() => deadOf("?destination=ci"), { timeout: 10_000 }).toBe(1);
  origin.respond = () => ({ status: 200, body: "ok" });
  const asked: string[] = [];
  page.once("dialog", (d) => {
    asked.push(d.message());
    void d.accept();
  });
  await page.click("#replay-all");
  await expect.poll(() => page.textContent("#dead-note")).toBe("1 dead letter(s) back in the queue.");
  expect(asked).toEqual(["Send 1 dead letter(s) of fanout back to their destinations (ci: 1)?"]);
  await expect.poll(() => at("/ci/hooks/fanout").length, { timeout: 10_000 }).toBe(5);
  await expect.poll(() => deadOf("?destination=ci"), { timeout: 10_000 }).toBe(0);

  // an event's detail lists what each destination did
  await page.fill("#event-id", "dash-issue-1");
  await page.click("#search");
  await expect.poll(() => page.locator("#events tbody tr").count()).toBe(1);
  await page.click("#events tbody tr");
  await page.waitForSelector("#detail-destinations");
  expect(await page.locator("#detail-destinations li").allTextContents()).toEqual(["billing \u2192 forwarded 200", "ci \u2192 filtered"]);
  expect(await page.getAttribute('#detail-destinations li[data-destination="ci"] span', "class")).toBe("filtered");
  // a push went to both: ci's delivery attempts come from ci's queue
  await page.fill("#event-id", "dash-push-1");
  await page.click("#search");
  await expect.poll(() => page.locator("#events tbody tr").count()).toBe(2); // the request, and ci's delivery
  await page.locator("#events tbody tr", { hasText: "forwarded" }).click();
  await expect.poll(() => page.locator("#detail-destinations li").allTextContents()).toEqual(["billing \u2192 forwarded 200", "ci \u2192 queued"]);
  await page.waitForSelector("#detail h2:text('Delivery attempts (ci)')");
  await page.locator("#events tbody tr", { hasText: "delivered" }).click();
  await expect.poll(() => page.locator("#detail-destinations li").allTextContents()).toEqual(["ci \u2192 delivered"]);

  // the filtered decision: in the decision filter, shown as filtered, neutral, with the rule that did not match
  await page.fill("#event-id", "");
  await page.selectOption("#route", "deploys");
  await page.selectOption("#decision", "filtered");
  await expect.poll(() => page.locator("#events tbody tr").count()).toBe(1);
  const cell = page.locator("#events tbody tr td.filtered");
  expect(await cell.textContent()).toBe("filtered");
  expect(await cell.evaluate((e) => getComputedStyle(e).color)).toBe("rgb(86, 96, 122)");
  expect(await page.textContent("#events tbody tr")).toContain("filtered: ci: headers.x-github-event");
  await page.click("#events tbody tr");
  await expect.poll(() => page.locator("#detail-destinations li").allTextContents()).toEqual(["ci \u2192 filtered"]);
  await page.selectOption("#decision", "");

  expect(errors).toEqual([]);
  await page.close();
}, 90_000);

// Review finding: every load after the first in an isolate answered 500 (a cached Response
// reused across requests). A person reloads and opens a second tab.
it.skipIf(!available && !process.env.CI)("serves every reload and a second tab, logged in or not", async () => {
  for (let i = 0; i < 3; i++) {
    const res = await fetch(`${gateway.url}/__gateway/dashboard`);
    expect(res.status, `load ${i + 1}`).toBe(200);
    expect(res.headers.get("content-security-policy")).toContain("script-src 'sha256-");
  }
  const context = await browser.newContext();
  const errors: string[] = [];
  const first = await context.newPage();
  first.on("pageerror", (e) => errors.push(String(e)));
  first.on("console", (m) => m.type() === "error" && errors.push(m.text()));
  await first.goto(`${gateway.url}/__gateway/dashboard`);
  // logged out, only the login form shows
  expect([await first.isVisible("#token"), await first.isVisible("#routes")]).toEqual([true, false]);
  await first.fill("#token", ADMIN_TOKEN);
  await first.click("button[type=submit]");
  await first.waitForSelector("#routes tbody tr");
  for (let i = 0; i < 2; i++) {
    const res = await first.reload();
    expect(res?.status(), `reload ${i + 1}`).toBe(200);
    // the tab keeps its token: the routes show again without logging in
    await first.waitForSelector("#routes tbody tr");
    expect(await first.textContent("#routes")).toContain("payments");
    // and a route's Destinations panel opens after each reload
    await first.selectOption("#route", "fanout");
    await first.waitForSelector('#destinations tbody tr[data-destination="ci"]');
    expect(await first.textContent('#destinations tr[data-destination="billing"]')).toContain("forwarded 4");
  }
  // a second tab has its own session: it asks for the token, then works
  const second = await context.newPage();
  second.on("pageerror", (e) => errors.push(String(e)));
  second.on("console", (m) => m.type() === "error" && errors.push(m.text()));
  expect((await second.goto(`${gateway.url}/__gateway/dashboard`))?.status()).toBe(200);
  expect([await second.isVisible("#token"), await second.isVisible("#routes")]).toEqual([true, false]);
  await second.fill("#token", ADMIN_TOKEN);
  await second.click("button[type=submit]");
  await second.waitForSelector("#routes tbody tr");
  expect(await second.textContent("#routes")).toContain("orders");
  await second.selectOption("#route", "fanout");
  await second.waitForSelector('#destinations tbody tr[data-destination="billing"]');
  expect(await second.locator("#destinations tbody tr").count()).toBe(2);
  // the first tab still works alongside it
  await first.selectOption("#route", "deploys");
  await first.waitForSelector('#destinations tbody tr[data-destination="ci"]');
  expect(errors).toEqual([]);
  await context.close();
}, 60_000);

// Last in this file: it puts 127.0.0.1 in the admin cool-down for the rest of the gateway's life.
it.skipIf(!available && !process.env.CI)("tells the operator when too many refused tokens have put this address in a cool-down", async () => {
  const page = await browser.newPage();
  await page.goto(`${gateway.url}/__gateway/dashboard`);
  const attempt = async (token: string) => {
    await page.fill("#token", token);
    const answered = page.waitForResponse((r) => r.url().endsWith("/__gateway/routes"));
    await page.click("button[type=submit]");
    const status = (await answered).status();
    await expect.poll(() => page.textContent("#login-error")).toMatch(status === 429 ? /Too many/ : /That token was refused/);
    return status;
  };
  const statuses: number[] = [];
  while (statuses.length < 12 && statuses.at(-1) !== 429) statuses.push(await attempt(`wrong-${statuses.length}`));
  // the first test's refused login counted too: at most 10 refusals in all, then 429
  expect(statuses.at(-1)).toBe(429);
  expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(10);
  expect(await attempt(ADMIN_TOKEN)).toBe(429); // the right token is refused too while cooling down
  expect(await page.textContent("#login-error")).toMatch(/Too many refused tokens from this address; try again in [1-5] min/);
  expect(await page.isVisible("#routes")).toBe(false);
  await page.close();
}, 60_000);
