/**
 * Destinations through the whole worker: fan-out exactly once per destination, the
 * provider hearing the primary only, a dead destination retried and dead-lettered on its
 * own, filters (received and recorded as filtered), transformations re-attested for the
 * destination, explain, and configs that are refused. Events are signed by octokit's own
 * GitHub signer; the destinations check the gateway's attestation with standardwebhooks.
 */
import { sign as octokitSign } from "@octokit/webhooks-methods";
import { env } from "cloudflare:workers";
import { runDurableObjectAlarm } from "cloudflare:test";
import { Webhook } from "standardwebhooks";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { clearRouteCache, getRoute } from "../../../src/config/store";
import demoRoutes from "../../../demo/routes.json";
import { ADMIN, BASE, call, mustPutRoute, putRoute, text, useOrigin, type Received } from "../helpers";

const ORIGIN_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const T0 = 1_780_000_000_000;

const BILLING = { id: "billing", url: "http://billing.test", primary: true };
const ANALYTICS = { id: "analytics", url: "http://analytics.test" };
const CI = { id: "ci", url: "http://ci.test", filter: { headers: { "x-github-event": "push" }, body: { ref: { $startsWith: "refs/heads/" } } } };

const route = (id: string, destinations: unknown[], extra: Record<string, unknown> = {}) => ({
  id,
  host: "*",
  path: `/${id}`,
  auth: { methods: [{ type: "provider", provider: "github", secrets: ["s"] }] },
  originSigning: { secrets: [ORIGIN_SECRET] },
  destinations,
  ...extra,
});

async function send(id: string, body: string, delivery: string = crypto.randomUUID(), event = "push") {
  return call(`${BASE}/${id}`, {
    method: "POST",
    headers: { "x-hub-signature-256": await octokitSign("s", body), "x-github-delivery": delivery, "x-github-event": event, "content-type": "application/json" },
    body,
  });
}

const queue = (id: string, destination?: string) => env.DELIVERY.get(env.DELIVERY.idFromName(destination ? `delivery:${id}/${destination}` : `delivery:${id}`));

/** Moves the clock on and runs the destination queue's alarm once. */
async function tick(id: string, destination: string | undefined, ms: number) {
  vi.setSystemTime(Date.now() + ms);
  await runDurableObjectAlarm(queue(id, destination));
}

const admin = (path: string, init: RequestInit = {}) => call(`${BASE}/__gateway${path}`, { ...init, headers: { ...ADMIN, ...(init.body ? { "content-type": "application/json" } : {}) } });
const at = (received: Received[], host: string) => received.filter((r) => new URL(r.url).host === host);
const attested = (r: Received) => new Webhook(ORIGIN_SECRET).verify(text(r.body), Object.fromEntries(r.headers));

describe("destinations", () => {
  const origin = useOrigin();
  beforeEach(() => vi.useFakeTimers({ toFake: ["Date"], now: T0 }));
  afterEach(() => vi.useRealTimers());

  it("one signed event reaches every matching destination exactly once; the provider hears the primary's answer", async () => {
    await mustPutRoute(route("fan1", [BILLING, ANALYTICS, CI], { dedup: {} }));
    origin.respond((r) => (new URL(r.url).host === "billing.test" ? new Response("billing took it", { status: 201 }) : new Response("ok")));
    const body = '{"ref":"refs/heads/main"}';
    const res = await send("fan1", body, "gh-fan-1");
    expect(res.status).toBe(201);
    expect(await res.text()).toBe("billing took it");
    expect(at(origin.received, "billing.test")).toHaveLength(1);
    // The others are queued, each in its own queue: nothing reached them yet.
    expect(origin.received).toHaveLength(1);
    await tick("fan1", "analytics", 0);
    await tick("fan1", "ci", 0);
    for (const host of ["billing.test", "analytics.test", "ci.test"]) {
      const got = at(origin.received, host);
      expect(got, host).toHaveLength(1);
      expect(text(got[0]!.body)).toBe(body);
      // The provider's own signature still checks: the bytes are untouched.
      expect(got[0]!.headers.get("x-hub-signature-256")).toBe(await octokitSign("s", body));
      expect(attested(got[0]!)).toEqual({ ref: "refs/heads/main" });
    }
    // The same delivery again: every destination has it, so it is a duplicate and goes nowhere.
    const again = await send("fan1", body, "gh-fan-1");
    expect(again.status).toBe(200);
    expect(again.headers.get("x-hookgate-duplicate")).toBe("true");
    await tick("fan1", "analytics", 0);
    await tick("fan1", "ci", 0);
    expect(origin.received).toHaveLength(3);
  });

  it("a dead destination is retried and dead-lettered on its own while the others succeed", async () => {
    await mustPutRoute(route("fan2", [BILLING, { ...ANALYTICS, delivery: { maxAttempts: 3, initialBackoffSeconds: 1, maxBackoffSeconds: 2 } }, CI]));
    origin.respond((r) => (new URL(r.url).host === "analytics.test" ? new Response("down", { status: 503 }) : new Response("ok")));
    const res = await send("fan2", '{"ref":"refs/heads/x"}');
    expect(res.status).toBe(200);
    await tick("fan2", "ci", 0);
    for (let i = 0; i < 4; i++) await tick("fan2", "analytics", 3_000);
    expect(at(origin.received, "analytics.test")).toHaveLength(3);
    expect(at(origin.received, "billing.test")).toHaveLength(1);
    expect(at(origin.received, "ci.test")).toHaveLength(1);
    const dead = (await (await admin("/routes/fan2/dead-letters?destination=analytics")).json()) as { events: { lastStatus: number }[] };
    expect(dead.events).toMatchObject([{ lastStatus: 503 }]);
    // The primary's dead letters (the route's own queue) and ci's are empty.
    expect(((await (await admin("/routes/fan2/dead-letters")).json()) as { events: unknown[] }).events).toHaveLength(0);
    expect(((await (await admin("/routes/fan2/dead-letters?destination=ci")).json()) as { events: unknown[] }).events).toHaveLength(0);
    expect((await admin("/routes/fan2/dead-letters?destination=nope")).status).toBe(404);
    // The overview (the dashboard's routes table) counts every destination's queue, not only the route's own.
    const overview = (await (await admin("/overview")).json()) as { routes: { id: string; destinations: number; queue: { dead: number }; health: string }[] };
    expect(overview.routes.find((r) => r.id === "fan2")).toMatchObject({ destinations: 3, queue: { dead: 1 }, health: "failing" });
    // Replayed once analytics is back: delivered there and nowhere else.
    origin.respond(() => new Response("ok"));
    const { id } = ((await (await admin("/routes/fan2/dead-letters?destination=analytics")).json()) as { events: { id: string }[] }).events[0]!;
    expect((await admin(`/routes/fan2/dead-letters/${id}/replay?destination=analytics`, { method: "POST" })).status).toBe(200);
    await tick("fan2", "analytics", 0);
    expect(at(origin.received, "analytics.test")).toHaveLength(4);
    expect(origin.received).toHaveLength(6);
  });

  it("the primary failing: the provider gets the 502, and its retry reaches the primary only (the others have it)", async () => {
    await mustPutRoute(route("fan3", [BILLING, ANALYTICS], { dedup: {} }));
    let billingUp = false;
    origin.respond((r) => (new URL(r.url).host === "billing.test" && !billingUp ? new Response("down", { status: 500 }) : new Response("ok")));
    const first = await send("fan3", '{"n":1}', "gh-fan-3");
    expect(first.status).toBe(500);
    billingUp = true;
    const retry = await send("fan3", '{"n":1}', "gh-fan-3");
    expect(retry.status).toBe(200);
    await tick("fan3", "analytics", 0);
    expect(at(origin.received, "billing.test")).toHaveLength(2);
    expect(at(origin.received, "analytics.test")).toHaveLength(1);
  });

  it("an event no filter matches is answered 200 and recorded as filtered, with the rule that did not match", async () => {
    await mustPutRoute(route("fan4", [{ ...CI, primary: true }], { observability: { storeBodies: true } }));
    const res = await send("fan4", '{"ref":"refs/tags/v1"}', "gh-fan-4", "push");
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ filtered: true });
    expect(origin.received).toHaveLength(0);
    const log = (await (await admin("/routes/fan4/log")).json()) as { entries: { decision: string; reason: string; destinations: string; bodyBytes: number }[] };
    expect(log.entries[0]).toMatchObject({ decision: "filtered", destinations: "ci=filtered" });
    expect(log.entries[0]!.reason).toMatch(/^filtered: ci: body\.ref/);
    // The body is kept (the route opted in), so the event can be replayed later to a destination, filter or not.
    expect(log.entries[0]!.bodyBytes).toBeGreaterThan(0);
    const seq = (log.entries[0] as unknown as { seq: number }).seq;
    const replayed = await admin(`/routes/fan4/log/${seq}/replay?destination=ci`, { method: "POST" });
    expect(replayed.status).toBe(200);
    await tick("fan4", undefined, 0);
    const [again] = at(origin.received, "ci.test");
    expect(text(again!.body)).toBe('{"ref":"refs/tags/v1"}');
    expect(again!.headers.get("x-github-event")).toBe("push");
    // The provider's signature was masked in the log, so it is not sent; the gateway's attestation is.
    expect(again!.headers.has("x-hub-signature-256")).toBe(false);
    expect(attested(again!)).toEqual({ ref: "refs/tags/v1" });
    origin.received.length = 0;
    expect((await admin(`/routes/fan4/log/${seq}/replay?destination=nope`, { method: "POST" })).status).toBe(404);
    expect((await admin(`/routes/fan4/log/999999/replay`, { method: "POST" })).status).toBe(404);
    // A matching one goes through.
    expect((await send("fan4", '{"ref":"refs/heads/main"}')).status).toBe(200);
    expect(at(origin.received, "ci.test")).toHaveLength(1);
  });

  it("only the destinations whose filters match get the event; the others are named in the record", async () => {
    await mustPutRoute(route("fan5", [BILLING, CI]));
    expect((await send("fan5", '{"action":"opened"}', undefined, "issues")).status).toBe(200);
    const log = (await (await admin("/routes/fan5/log")).json()) as { entries: { decision: string; destinations: string }[] };
    expect(log.entries[0]).toMatchObject({ decision: "forwarded", destinations: "billing=forwarded:200,ci=filtered" });
    await tick("fan5", "ci", 0);
    expect(origin.received.map((r) => new URL(r.url).host)).toEqual(["billing.test"]);
    // This route keeps no bodies: its entries cannot be replayed; nor can a refusal.
    const seq = (log.entries[0] as unknown as { seq: number }).seq;
    expect((await admin(`/routes/fan5/log/${seq}/replay?destination=ci`, { method: "POST" })).status).toBe(409);
    expect((await call(`${BASE}/fan5`, { method: "POST", body: "{}" })).status).toBe(401);
    const refused = ((await (await admin("/routes/fan5/log?decision=rejected")).json()) as { entries: { seq: number }[] }).entries[0]!.seq;
    expect((await admin(`/routes/fan5/log/${refused}/replay?destination=ci`, { method: "POST" })).status).toBe(400);
    const listed = (await (await admin("/routes/fan5/destinations")).json()) as { destinations: { id: string; counts: Record<string, number> }[] };
    expect(listed.destinations.map((d) => [d.id, d.counts])).toEqual([
      ["billing", { forwarded: 1 }],
      ["ci", { filtered: 1 }],
    ]);
  });

  it("a transformation changes what one destination gets, re-attested for it; the others and the event log keep the original bytes", async () => {
    const slim = {
      id: "slim",
      url: "http://slim.test",
      transform: { headers: { set: { "x-team": "data" }, remove: ["x-github-event"] }, path: "/ingest{path}", body: { pick: ["id", "data.amount"], rename: { "data.amount": "amount" } } },
    };
    await mustPutRoute(route("fan6", [BILLING, slim], { observability: { storeBodies: true } }));
    const body = '{"id":"evt_1","data":{"amount":42,"card":"4242"},"extra":true}';
    expect((await send("fan6", body)).status).toBe(200);
    await tick("fan6", "slim", 0);
    const [got] = at(origin.received, "slim.test");
    expect(new URL(got!.url).pathname).toBe("/ingest/fan6");
    expect(JSON.parse(text(got!.body))).toEqual({ id: "evt_1", amount: 42 });
    expect(got!.headers.get("x-team")).toBe("data");
    expect(got!.headers.has("x-github-event")).toBe(false);
    expect(attested(got!)).toEqual({ id: "evt_1", amount: 42 });
    expect(text(at(origin.received, "billing.test")[0]!.body)).toBe(body);
    const log = (await (await admin("/routes/fan6/log")).json()) as { entries: { seq: number }[] };
    const entry = (await (await admin(`/routes/fan6/log/${log.entries.at(-1)!.seq}`)).json()) as { body: string };
    expect(entry.body).toBe(body);
  });

  it("explain: which destinations would take a sample event, why, and the request each would get; nothing is sent", async () => {
    await mustPutRoute(route("fan7", [BILLING, CI]));
    const res = await admin("/routes/fan7/explain", { method: "POST", body: JSON.stringify({ headers: { "x-github-event": "issues", "x-hub-signature-256": "sha256=abc" }, body: { ref: "refs/heads/main" } }) });
    expect(res.status).toBe(200);
    const { destinations } = (await res.json()) as { destinations: { id: string; takes: boolean; why: string; request?: { url: string; headers: [string, string][] } }[] };
    expect(destinations.map((d) => [d.id, d.takes, d.why])).toEqual([
      ["billing", true, "no filter"],
      ["ci", false, expect.stringMatching(/^headers\.x-github-event/)],
    ]);
    expect(destinations[0]!.request!.url).toBe("http://billing.test/fan7");
    // Masked as in the event log: a signature never comes back whole.
    expect(destinations[0]!.request!.headers.find(([n]) => n === "x-hub-signature-256")?.[1]).not.toBe("sha256=abc");
    expect(origin.received).toHaveLength(0);
    expect((await admin("/routes/fan7/explain", { method: "POST", body: "[1]" })).status).toBe(400);
  });

  it("pause stops every destination's queue; resume drains them all", async () => {
    await mustPutRoute(route("fan8", [BILLING, ANALYTICS]));
    expect((await admin("/routes/fan8/pause", { method: "POST" })).status).toBe(200);
    expect((await send("fan8", "{}")).status).toBe(202);
    await tick("fan8", undefined, 0);
    await tick("fan8", "analytics", 0);
    expect(origin.received).toHaveLength(0);
    const resumed = (await (await admin("/routes/fan8/resume", { method: "POST" })).json()) as { pending: number };
    expect(resumed.pending).toBe(2);
    await tick("fan8", undefined, 0);
    await tick("fan8", "analytics", 0);
    expect(origin.received.map((r) => new URL(r.url).host).sort()).toEqual(["analytics.test", "billing.test"]);
  });

  it("a FIFO destination with a flapping endpoint gets events in arrival order, none twice, none lost", async () => {
    const ledger = { id: "ledger", url: "http://ledger.test", delivery: { ordering: {}, initialBackoffSeconds: 1, maxBackoffSeconds: 2, maxAttempts: 50 } };
    await mustPutRoute(route("fifo1", [BILLING, ledger]));
    // Fails every second request it gets, whatever the event.
    let calls = 0;
    origin.respond((r) => (new URL(r.url).host === "ledger.test" && calls++ % 2 === 0 ? new Response("flap", { status: 503 }) : new Response("ok")));
    for (let n = 0; n < 6; n++) expect((await send("fifo1", `{"n":${n}}`)).status).toBe(200);
    for (let i = 0; i < 40 && (await queue("fifo1", "ledger").counts()).pending > 0; i++) await tick("fifo1", "ledger", 2_500);
    const tried = at(origin.received, "ledger.test").map((r) => (JSON.parse(text(r.body)) as { n: number }).n);
    // Every attempt is of the oldest undelivered event: each n is tried (twice, as it flaps) before n + 1.
    expect(tried).toEqual([0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5]);
    expect((await queue("fifo1", "ledger").counts()).pending).toBe(0);
    expect(((await (await admin("/routes/fifo1/dead-letters?destination=ledger")).json()) as { events: unknown[] }).events).toHaveLength(0);
  });

  it("with an ordering key, each key is its own line: one failing customer does not hold up another", async () => {
    const ledger = { id: "ledger", url: "http://ledger.test", delivery: { ordering: { key: { jsonField: "customer" } }, initialBackoffSeconds: 1, maxBackoffSeconds: 1 } };
    await mustPutRoute(route("fifo2", [BILLING, ledger]));
    let aDown = true;
    origin.respond((r) => (new URL(r.url).host === "ledger.test" && aDown && text(r.body).includes('"a"') ? new Response("down", { status: 503 }) : new Response("ok")));
    for (const [customer, n] of [["a", 1], ["b", 1], ["a", 2], ["b", 2]] as const) await send("fifo2", `{"customer":"${customer}","n":${n}}`);
    await tick("fifo2", "ledger", 0);
    await tick("fifo2", "ledger", 1_500);
    const ok = () => at(origin.received, "ledger.test").filter((r) => !text(r.body).includes('"a"') || !aDown).map((r) => text(r.body));
    // b's line went through in order while a's first event kept failing; a's second never overtook it.
    expect(ok()).toEqual(['{"customer":"b","n":1}', '{"customer":"b","n":2}']);
    expect(at(origin.received, "ledger.test").some((r) => text(r.body) === '{"customer":"a","n":2}')).toBe(false);
    aDown = false;
    for (let i = 0; i < 5 && (await queue("fifo2", "ledger").counts()).pending > 0; i++) await tick("fifo2", "ledger", 1_500);
    const aLine = at(origin.received, "ledger.test").map((r) => text(r.body)).filter((b) => b.includes('"a"'));
    expect(aLine.at(-2)).toBe('{"customer":"a","n":1}');
    expect(aLine.at(-1)).toBe('{"customer":"a","n":2}');
    expect(aLine.filter((b) => b.includes('"n":2'))).toHaveLength(1);
  });

  it.each([
    ["origin with destinations", { origin: "http://o.test" }, [BILLING], "origin"],
    ["two primaries", {}, [BILLING, { ...ANALYTICS, primary: true }], "destinations.1.primary"],
    ["a repeated id", {}, [BILLING, { ...ANALYTICS, id: "billing" }], "destinations.1.id"],
    ["a sync destination besides the primary", {}, [BILLING, { ...ANALYTICS, delivery: { mode: "sync" } }], "destinations.1.delivery.mode"],
    ["a bad filter", {}, [{ ...BILLING, filter: { body: { type: { $regex: "x" } } } }], "destinations.0.filter"],
    ["a bad transformation", {}, [{ ...BILLING, transform: { headers: { set: { "x-hookgate-verified": "yes" } } } }], "destinations.0.transform"],
    ["no destination", {}, [], "destinations"],
    ["listen mode", { delivery: { mode: "listen" } }, [BILLING], "destinations"],
    ["ordering on a sync primary", {}, [{ ...BILLING, delivery: { ordering: {} } }], "destinations.0.delivery.ordering"],
  ])("refuses %s, naming the field", async (_name, extra, destinations, path) => {
    const res = await putRoute(route("bad", destinations, extra));
    expect(res.status).toBe(400);
    const body = (await res.json()) as { issues: { path: string; message: string }[] };
    expect(body.issues.map((i) => i.path)).toContain(path);
  });
});

describe("single-origin routes", () => {
  useOrigin();
  it("every demo route compiles to one destination, `origin`, with the route's own settings: the path it always took", async () => {
    for (const raw of demoRoutes as Record<string, unknown>[]) {
      await mustPutRoute(raw);
      clearRouteCache();
      const compiled = await getRoute(env, String(raw.id), Date.now());
      expect(compiled?.kind, String(raw.id)).toBe("route");
      if (compiled?.kind !== "route") continue;
      expect(compiled.fanOut).toBe(false);
      expect(compiled.destinations).toMatchObject([
        { id: "origin", primary: true, url: raw.origin, mode: (raw.delivery as { mode?: string } | undefined)?.mode === "queue" ? "queue" : "sync", originTimeoutMs: raw.originTimeoutMs ?? 15_000 },
      ]);
    }
  });
});

describe("Cloudflare-native destinations", () => {
  const origin = useOrigin();
  beforeEach(() => vi.useFakeTimers({ toFake: ["Date"], now: T0 }));
  afterEach(() => vi.useRealTimers());

  const ARCHIVE = { id: "archive", type: "r2", binding: "ARCHIVE", prefix: "hooks/" };
  const sendWith = async (id: string, body: string, bindings: Partial<Cloudflare.Env> | Record<string, unknown>, delivery = crypto.randomUUID()) =>
    call(
      `${BASE}/${id}`,
      { method: "POST", headers: { "x-hub-signature-256": await octokitSign("s", body), "x-github-delivery": delivery, "x-github-event": "push", "content-type": "application/json" }, body },
      bindings as Partial<Cloudflare.Env>,
    );
  const archivedKeys = async () => (await env.ARCHIVE.list({ prefix: "hooks/" })).objects.map((o) => o.key);

  beforeEach(async () => {
    for (const bucket of [env.ARCHIVE, env.QUEUE_BODIES]) {
      const listed = await bucket.list();
      if (listed.objects.length > 0) await bucket.delete(listed.objects.map((o) => o.key));
    }
  });

  it("an R2 archive is written first: the exact bytes and their metadata are in the bucket before the origin is tried", async () => {
    await mustPutRoute(route("sink1", [BILLING, ARCHIVE]));
    let keysWhenForwarded: string[] = [];
    origin.respond(async () => {
      keysWhenForwarded = await archivedKeys();
      return new Response("ok");
    });
    const body = '{"ref":"refs/heads/main","bytes":"exact \\u00e9"}';
    const res = await send("sink1", body, "gh-sink-1");
    expect(res.status).toBe(200);
    expect(keysWhenForwarded).toHaveLength(2);
    const dataKey = keysWhenForwarded.find((k) => !k.endsWith(".json"))!;
    expect(dataKey).toMatch(/^hooks\/sink1\/2026-05-28\/msg_[0-9a-f]{32}$/);
    expect(await (await env.ARCHIVE.get(dataKey))!.text()).toBe(body);
    const meta = (await (await env.ARCHIVE.get(`${dataKey}.json`))!.json()) as Record<string, unknown>;
    expect(meta).toMatchObject({ route: "sink1", destination: "archive", eventId: "gh-sink-1", verifiedBy: ["hmac:github"], method: "POST", bodyBytes: new TextEncoder().encode(body).byteLength });
    expect(new Map(meta.headers as [string, string][]).get("x-hub-signature-256")).toBe(await octokitSign("s", body));
  });

  it("an archive that cannot be written fails the request (503, nothing forwarded), so the provider retries", async () => {
    await mustPutRoute(route("sink2", [BILLING, ARCHIVE]));
    const res = await sendWith("sink2", "{}", { ARCHIVE: { put: () => Promise.reject(new Error("bucket down")), get: () => null } });
    expect(res.status).toBe(503);
    expect(origin.received).toHaveLength(0);
    await mustPutRoute(route("sink2b", [BILLING, { ...ARCHIVE, binding: "NOT_DECLARED" }]));
    expect((await send("sink2b", "{}")).status).toBe(503);
    expect(origin.received).toHaveLength(0);
  });

  it("a Cloudflare Queue destination gets the event as a JSON message; a body over a message's limit goes to R2 and the message carries its key", async () => {
    await mustPutRoute(route("sink3", [BILLING, { id: "events", type: "queue", binding: "EVENTS", bodyBucket: "QUEUE_BODIES" }]));
    const sent: unknown[] = [];
    const spy = { EVENTS: { send: (m: unknown, o?: QueueSendOptions) => (sent.push(m), env.EVENTS.send(m, o)) } };
    const small = '{"ref":"refs/heads/main"}';
    expect((await sendWith("sink3", small, spy, "gh-small")).status).toBe(200);
    const large = JSON.stringify({ ref: "refs/heads/main", blob: "x".repeat(200_000) });
    expect((await sendWith("sink3", large, spy, "gh-large")).status).toBe(200);
    const [first, second] = sent as { v: number; body?: string; bodyKey?: string; eventId: string; route: string; destination: string; headers: [string, string][] }[];
    expect(first).toMatchObject({ v: 1, route: "sink3", destination: "events", eventId: "gh-small" });
    expect(atob(first!.body!)).toBe(small);
    expect(second!.body).toBeUndefined();
    expect(await (await env.QUEUE_BODIES.get(second!.bodyKey!))!.text()).toBe(large);
    // A large body without a bucket for it: the destination cannot take it, the provider is told to retry.
    await mustPutRoute(route("sink3b", [BILLING, { id: "events", type: "queue", binding: "EVENTS" }]));
    expect((await sendWith("sink3b", large, spy)).status).toBe(503);
  });

  it("a Workflow destination starts one instance per event, its id the message id and the event its params", async () => {
    await mustPutRoute(route("sink6", [BILLING, { id: "onboard", type: "workflow", binding: "ONBOARDING", filter: { body: { action: "created" } } }]));
    const created: { id: string; params: { body: string; eventId: string; destination: string } }[] = [];
    const workflow = { create: async (o: (typeof created)[number]) => (created.push(o), { id: o.id }) };
    expect((await sendWith("sink6", '{"action":"created"}', { ONBOARDING: workflow }, "gh-wf")).status).toBe(200);
    expect((await sendWith("sink6", '{"action":"deleted"}', { ONBOARDING: workflow })).status).toBe(200);
    expect(created).toHaveLength(1);
    expect(created[0]!.id).toMatch(/^msg_[0-9a-f]{32}$/);
    expect(created[0]!.params).toMatchObject({ eventId: "gh-wf", destination: "onboard" });
    expect(atob(created[0]!.params.body)).toBe('{"action":"created"}');
    // A Workflow that refuses the instance: the provider is told to retry.
    const refusing = { create: async () => Promise.reject(new Error("instance limit")) };
    expect((await sendWith("sink6", '{"action":"created"}', { ONBOARDING: refusing })).status).toBe(503);
  });

  it("a service binding destination is sent to like an origin, and its answer relayed when it is the primary", async () => {
    await mustPutRoute(route("sink4", [{ id: "worker", type: "service", binding: "BILLING_WORKER" }]));
    const seen: Request[] = [];
    const service = { fetch: async (input: RequestInfo, init?: RequestInit) => (seen.push(new Request(input, init)), new Response("from the bound worker", { status: 201 })) };
    const res = await sendWith("sink4", '{"a":1}', { BILLING_WORKER: service });
    expect(res.status).toBe(201);
    expect(await res.text()).toBe("from the bound worker");
    expect(new URL(seen[0]!.url).pathname).toBe("/sink4");
    expect(attested({ url: seen[0]!.url, method: "POST", headers: seen[0]!.headers, body: new Uint8Array(await seen[0]!.arrayBuffer()) })).toEqual({ a: 1 });
    expect(origin.received).toHaveLength(0);
    // Not bound in this environment: 503, the provider retries.
    expect((await send("sink4", "{}")).status).toBe(503);
  });

  it("replay from the archive reaches a destination that has no other record of the event", async () => {
    await mustPutRoute(route("sink5", [BILLING, ARCHIVE], { dedup: {} }));
    const body = '{"ref":"refs/heads/main","n":5}';
    expect((await send("sink5", body, "gh-sink-5")).status).toBe(200);
    // A destination added later: no queue, dedup key or event-log entry of the gateway's knows the
    // event for it; only the archive and the config are there to replay from.
    await mustPutRoute(route("sink5", [BILLING, ARCHIVE, { id: "late", url: "http://late.test" }], { dedup: {} }));
    origin.received.length = 0;
    const dry = await admin("/routes/sink5/archive/replay?destination=late&date=2026-05-28&dryRun=1", { method: "POST" });
    expect(await dry.json()).toMatchObject({ wouldReplay: 1 });
    expect(origin.received).toHaveLength(0);
    const replayed = await admin("/routes/sink5/archive/replay?destination=late&date=2026-05-28", { method: "POST" });
    expect(await replayed.json()).toMatchObject({ replayed: 1 });
    await tick("sink5", "late", 0);
    const got = at(origin.received, "late.test");
    expect(got).toHaveLength(1);
    expect(text(got[0]!.body)).toBe(body);
    expect(got[0]!.headers.get("x-hookgate-event-id")).toBe("gh-sink-5");
    expect(attested(got[0]!)).toEqual({ ref: "refs/heads/main", n: 5 });
    expect((await admin("/routes/sink5/archive/replay?destination=archive", { method: "POST" })).status).toBe(400);
    expect((await admin("/routes/sink5/archive/replay?destination=late&date=yesterday", { method: "POST" })).status).toBe(400);
  });

  it.each([
    ["an http destination without url", [{ id: "a" }], "destinations.0.url"],
    ["a queue destination without binding", [BILLING, { id: "q", type: "queue" }], "destinations.1.binding"],
    ["a url on an archive", [BILLING, { ...ARCHIVE, url: "http://x.test" }], "destinations.1.url"],
    ["a transformation on an archive (it keeps the exact bytes)", [BILLING, { ...ARCHIVE, transform: { path: "/x" } }], "destinations.1.transform"],
    ["a primary queue", [{ id: "q", type: "queue", binding: "EVENTS", primary: true }], "destinations.0.primary"],
    ["a bad binding name", [BILLING, { ...ARCHIVE, binding: "not-a-binding" }], "destinations.1.binding"],
  ])("refuses %s, naming the field", async (_name, destinations, path) => {
    const res = await putRoute(route("bad", destinations));
    expect(res.status).toBe(400);
    const body = (await res.json()) as { issues: { path: string }[] };
    expect(body.issues.map((i) => i.path)).toContain(path);
  });
});
