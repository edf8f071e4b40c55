/**
 * What an operator sees: log lines, the route's event log, observe mode, alerts, and that
 * no secret from any route config ever shows up in a log line or an admin answer.
 */
import { sign as octokitSign } from "@octokit/webhooks-methods";
import { env } from "cloudflare:workers";
import { runDurableObjectAlarm } from "cloudflare:test";
import Stripe from "stripe";
import { describe, expect, it, vi } from "vitest";
import { ADMIN, BASE, call, mustPutRoute, text, useOrigin } from "../helpers";

const ORIGIN = "http://origin.test";
const stripeSdk = new Stripe("sk_test_unused");
const admin = async <T = unknown>(path: string, init: RequestInit = {}) => (await call(`${BASE}/__gateway${path}`, { ...init, headers: ADMIN })).json() as Promise<T>;

const SECRET_MARK = "S3CR3T";
const secretRoutes = [
  { id: "t-query", path: "/t1", auth: { methods: [{ type: "token", in: "query", secrets: [`q-${SECRET_MARK}-1`] }] } },
  { id: "t-header", path: "/t2", auth: { methods: [{ type: "token", in: "header", name: "X-Gitlab-Token", secrets: [`h-${SECRET_MARK}-2`] }] } },
  { id: "basic", path: "/t3", auth: { methods: [{ type: "basic", username: "u", secrets: [`p-${SECRET_MARK}-3`] }] } },
  { id: "stripe", path: "/t4", auth: { methods: [{ type: "provider", provider: "stripe", secrets: [`whsec_${SECRET_MARK}4`] }] } },
  { id: "github", path: "/t5", auth: { methods: [{ type: "provider", provider: "github", secrets: [`g-${SECRET_MARK}-5`] }] } },
  {
    id: "custom",
    path: "/t6",
    auth: { methods: [{ type: "hmac", algorithm: "sha256", header: "X-Sig", payload: "{body}", secrets: [`c-${SECRET_MARK}-6`] }] },
    originSigning: { secrets: ["whsec_" + btoa(`${SECRET_MARK}-origin-signing-key`)] },
    alerts: { targets: [{ type: "slack", url: `https://hooks.slack.test/${SECRET_MARK}-7` }] },
  },
];

describe("observability", () => {
  const origin = useOrigin();

  it("no secret or token from any route config appears in log lines, the event log or admin answers (every auth type)", async () => {
    const logs = vi.spyOn(console, "log");
    for (const r of secretRoutes) await mustPutRoute({ host: "*", origin: ORIGIN, ...r, observability: { storeBodies: false } });
    const sent: Response[] = [];
    const basic = (u: string, p: string) => `Basic ${btoa(`${u}:${p}`)}`;
    // good and bad credentials on every route
    for (const auth of [`q-${SECRET_MARK}-1`, "wrong"]) sent.push(await call(`${BASE}/t1?auth=${auth}`, { method: "POST", body: "x" }));
    for (const t of [`h-${SECRET_MARK}-2`, "wrong"]) sent.push(await call(`${BASE}/t2`, { method: "POST", headers: { "x-gitlab-token": t }, body: "x" }));
    for (const p of [`p-${SECRET_MARK}-3`, "wrong"]) sent.push(await call(`${BASE}/t3`, { method: "POST", headers: { authorization: basic("u", p) }, body: "x" }));
    const sig = await stripeSdk.webhooks.generateTestHeaderStringAsync({ payload: "{}", secret: `whsec_${SECRET_MARK}4` });
    sent.push(await call(`${BASE}/t4`, { method: "POST", headers: { "stripe-signature": sig }, body: "{}" }));
    sent.push(await call(`${BASE}/t5`, { method: "POST", headers: { "x-hub-signature-256": await octokitSign(`g-${SECRET_MARK}-5`, "{}") }, body: "{}" }));
    sent.push(await call(`${BASE}/t6`, { method: "POST", headers: { "x-sig": "00" }, body: "{}" }));
    const answers = await Promise.all(sent.map((r) => r.text()));
    const adminAnswers: string[] = [JSON.stringify(await admin("/routes")), JSON.stringify(await admin("/overview"))];
    for (const r of secretRoutes) {
      adminAnswers.push(JSON.stringify(await admin(`/routes/${r.id}`)));
      const log = await admin<{ entries: { seq: number }[] }>(`/routes/${r.id}/log`);
      adminAnswers.push(JSON.stringify(log));
      for (const e of log.entries) adminAnswers.push(JSON.stringify(await admin(`/routes/${r.id}/log/${e.seq}`)));
    }
    const everything = [...answers, ...adminAnswers, ...logs.mock.calls.flat().map(String)].join("\n");
    expect(everything).not.toContain(SECRET_MARK);
    expect(everything).not.toContain(btoa(`u:p-${SECRET_MARK}-3`));
    expect(everything).not.toContain(sig.split("v1=")[1]!); // no full signature either
  });

  it("logs one JSON line per request with route, scheme, decision, reason, statuses and latency", async () => {
    await mustPutRoute({ id: "gh", host: "*", path: "/gh", origin: ORIGIN, auth: { methods: [{ type: "provider", provider: "github", secrets: ["s"] }] } });
    const logs = vi.spyOn(console, "log");
    await call(`${BASE}/gh`, { method: "POST", headers: { "x-hub-signature-256": await octokitSign("s", "{}"), "x-github-delivery": "d1", "cf-ray": "ray-1" }, body: "{}" });
    await call(`${BASE}/gh`, { method: "POST", headers: { "x-hub-signature-256": "sha256=00", "cf-ray": "ray-2" }, body: "{}" });
    const lines = logs.mock.calls.map(([l]) => JSON.parse(String(l)) as Record<string, unknown>).filter((l) => l.msg === "request");
    expect(lines[0]).toMatchObject({ requestId: "ray-1", route: "gh", decision: "forwarded", verifiedBy: "hmac:github", eventId: "d1", status: 200, originStatus: 200 });
    expect(lines[1]).toMatchObject({ requestId: "ray-2", route: "gh", decision: "rejected", status: 401, reason: "hmac:github:signature_mismatch" });
    for (const l of lines) expect(typeof l.latencyMs).toBe("number");
  });

  it("the event log finds an event by its id and by time; bodies only where the route opts in", async () => {
    const route = (id: string, storeBodies: boolean) => ({ id, host: "*", path: `/${id}`, origin: ORIGIN, observability: { storeBodies }, auth: { methods: [{ type: "provider", provider: "github", secrets: ["s"] }] } });
    await mustPutRoute(route("with-bodies", true));
    await mustPutRoute(route("without", false));
    const before = Date.now();
    for (const id of ["with-bodies", "without"]) {
      await call(`${BASE}/${id}`, { method: "POST", headers: { "x-hub-signature-256": await octokitSign("s", '{"hello":1}'), "x-github-delivery": `ev-${id}` }, body: '{"hello":1}' });
    }
    for (const id of ["with-bodies", "without"]) {
      const found = await admin<{ entries: { seq: number; eventId: string; decision: string }[] }>(`/routes/${id}/log?eventId=ev-${id}`);
      expect(found.entries).toMatchObject([{ eventId: `ev-${id}`, decision: "forwarded" }]);
      const detail = await admin<{ body?: string; headers: [string, string][] }>(`/routes/${id}/log/${found.entries[0]!.seq}`);
      expect(detail.body).toBe(id === "with-bodies" ? '{"hello":1}' : undefined);
      expect(detail.headers.find(([n]) => n === "x-hub-signature-256")?.[1]).toMatch(/^\[masked/);
      expect((await admin<{ entries: unknown[] }>(`/routes/${id}/log?since=${before}`)).entries).toHaveLength(1);
      expect((await admin<{ entries: unknown[] }>(`/routes/${id}/log?until=${before - 1}`)).entries).toHaveLength(0);
    }
  });

  it("keeps at most maxEvents entries", async () => {
    await mustPutRoute({ id: "small", host: "*", path: "/small", origin: ORIGIN, observability: { maxEvents: 10 }, auth: { methods: [{ type: "token", in: "query", secrets: ["t"] }] } });
    for (let i = 0; i < 15; i++) await call(`${BASE}/small?auth=t`, { method: "POST", body: "x" });
    expect((await admin<{ entries: unknown[] }>("/routes/small/log?limit=100")).entries).toHaveLength(10);
  });

  it("observe mode forwards failing requests marked unverified, records what enforcement would have rejected, writes no dedup key", async () => {
    await mustPutRoute({ id: "obs", host: "*", path: "/obs", origin: ORIGIN, enforce: false, dedup: {}, auth: { methods: [{ type: "provider", provider: "github", secrets: ["s"] }] } });
    const res = await call(`${BASE}/obs`, { method: "POST", headers: { "x-hub-signature-256": "sha256=00", "x-github-delivery": "o1" }, body: "{}" });
    expect(res.status).toBe(200);
    expect(origin.received[0]!.headers.get("x-hookgate-unverified")).toBe("hmac:github:signature_mismatch");
    expect(origin.received[0]!.headers.get("x-hookgate-verified")).toBe("");
    const good = await call(`${BASE}/obs`, { method: "POST", headers: { "x-hub-signature-256": await octokitSign("s", "{}"), "x-github-delivery": "o1" }, body: "{}" });
    expect(good.status).toBe(200); // the unverified copy wrote no key, so the genuine one is not a duplicate
    expect(origin.received[1]!.headers.get("x-hookgate-unverified")).toBeNull();
    const log = await admin<{ entries: { observed?: string }[] }>("/routes/obs/log");
    expect(log.entries.map((e) => e.observed ?? null)).toEqual([null, "hmac:github:signature_mismatch"]);
  });

  it("alerts post to Slack, Discord and a generic webhook when the origin keeps failing, once per cool-down", async () => {
    await mustPutRoute({
      id: "alerting",
      host: "*",
      path: "/alerting",
      origin: ORIGIN,
      auth: { methods: [{ type: "token", in: "query", secrets: ["t"] }] },
      alerts: {
        targets: [
          { type: "slack", url: "https://hooks.slack.test/services/X" },
          { type: "discord", url: "https://discord.test/api/webhooks/1/abc" },
          { type: "webhook", url: "https://alerts.test/in" },
        ],
        originFailures: 3,
        windowSeconds: 60,
        cooldownSeconds: 600,
      },
    });
    origin.respond((r) => (r.url.startsWith(ORIGIN) ? new Response("down", { status: 503 }) : new Response("ok")));
    for (let i = 0; i < 10; i++) await call(`${BASE}/alerting?auth=t`, { method: "POST", body: "x" });
    const alerts = origin.received.filter((r) => !r.url.startsWith(ORIGIN));
    expect(alerts.map((a) => a.url).sort()).toEqual(["https://alerts.test/in", "https://discord.test/api/webhooks/1/abc", "https://hooks.slack.test/services/X"]);
    const bodies = Object.fromEntries(alerts.map((a) => [new URL(a.url).hostname, JSON.parse(text(a.body)) as Record<string, unknown>]));
    expect(bodies["hooks.slack.test"]!.text).toBe('hookgate: route "alerting": 3 origin failures (5xx, timeouts, unreachable) in the last 60 s');
    expect(bodies["discord.test"]!.content).toBe(bodies["hooks.slack.test"]!.text);
    expect(bodies["alerts.test"]).toMatchObject({ type: "hookgate.alert", route: "alerting", kind: "origin_failing", count: 3, windowSeconds: 60 });
  });

  it("a dead letter is logged and alerts", async () => {
    await mustPutRoute({
      id: "dl",
      host: "*",
      path: "/dl",
      origin: ORIGIN,
      delivery: { mode: "queue" },
      auth: { methods: [{ type: "token", in: "query", secrets: ["t"] }] },
      alerts: { targets: [{ type: "webhook", url: "https://alerts.test/in" }], deadLetters: 1 },
    });
    origin.respond((r) => (r.url.startsWith(ORIGIN) ? new Response("gone", { status: 410 }) : new Response("ok")));
    await call(`${BASE}/dl?auth=t`, { method: "POST", body: "x" });
    await runDurableObjectAlarm(env.DELIVERY.get(env.DELIVERY.idFromName("delivery:dl")));
    const log = await admin<{ entries: { decision: string; reason?: string }[] }>("/routes/dl/log");
    expect(log.entries[0]).toMatchObject({ decision: "dead_lettered", reason: "permanent status 410" });
    await vi.waitFor(() => expect(origin.received.some((r) => r.url === "https://alerts.test/in")).toBe(true));
  });

  it("writes a data point per request to Analytics Engine when METRICS is bound", async () => {
    await mustPutRoute({ id: "m", host: "*", path: "/m", origin: ORIGIN, auth: { methods: [{ type: "token", in: "query", secrets: ["t"] }] } });
    const points: AnalyticsEngineDataPoint[] = [];
    const METRICS = { writeDataPoint: (p: AnalyticsEngineDataPoint) => void points.push(p) } as AnalyticsEngineDataset;
    await call(`${BASE}/m?auth=t`, { method: "POST", body: "x" }, { METRICS });
    await call(`${BASE}/m?auth=no`, { method: "POST", body: "x" }, { METRICS });
    expect(points).toHaveLength(2);
    expect(points[0]).toMatchObject({ indexes: ["m"], blobs: ["m", "forwarded", "", "token:query"] });
    expect(points[0]!.doubles![0]).toBe(200);
    expect(points[1]).toMatchObject({ blobs: ["m", "rejected", "token:query:credentials_mismatch", ""] });
    expect(points[1]!.doubles![0]).toBe(401);
  });

  it("summary buckets decisions for the charts, and the overview shows each route's health", async () => {
    await mustPutRoute({ id: "sum", host: "*", path: "/sum", origin: ORIGIN, auth: { methods: [{ type: "token", in: "query", secrets: ["t"] }] } });
    for (const a of ["t", "t", "bad"]) await call(`${BASE}/sum?auth=${a}`, { method: "POST", body: "x" });
    const s = await admin<{ buckets: { decision: string; count: number }[] }>("/routes/sum/summary?bucketMs=3600000");
    const byDecision = Object.fromEntries(s.buckets.map((b) => [b.decision, b.count]));
    expect(byDecision).toEqual({ forwarded: 2, rejected: 1 });
    const o = await admin<{ routes: { id: string; health: string; lastHour: Record<string, number> }[] }>("/overview");
    expect(o.routes.find((r) => r.id === "sum")).toMatchObject({ health: "degraded", lastHour: { forwarded: 2, rejected: 1 } });
  });
});
