/**
 * The flood guard: once a route's failed authentications reach `failuresPerSecond`, each
 * refusal is held `delayMs` before it is answered (no CPU: a timer), genuine requests are
 * not held, and the event log keeps `keptPerSecond` refusals a second plus one row with the
 * count of the others. `floodGuard: false` turns it off.
 */
import { sign as octokitSign } from "@octokit/webhooks-methods";
import { env } from "cloudflare:workers";
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import worker from "../../../src/index";
import { ADMIN, BASE, call, mustPutRoute, useOrigin } from "../helpers";

const route = (id: string, floodGuard: unknown) => ({
  id,
  host: "*",
  path: `/${id}`,
  origin: "http://origin.test",
  auth: { methods: [{ type: "provider", provider: "github", secrets: ["s"] }] },
  observability: { storeBodies: false },
  rateLimit: { floodGuard },
});

const forged = (id: string, ip: string) =>
  new Request(`${BASE}/${id}`, { method: "POST", headers: { "x-hub-signature-256": `sha256=${"0".repeat(64)}`, "cf-connecting-ip": ip }, body: "{}" });

/** Starts a request through the worker; `settled` tells whether its answer has come. */
function start(request: Request) {
  const ctx = createExecutionContext();
  const state = { settled: false };
  const answer = worker.fetch(request as Request<unknown, IncomingRequestCfProperties>, env, ctx).then(async (res) => {
    state.settled = true;
    await waitOnExecutionContext(ctx);
    return res;
  });
  return { answer, state };
}

const tick = async (ms: number) => {
  await vi.advanceTimersByTimeAsync(ms);
};

describe("flood guard", () => {
  const origin = useOrigin();
  beforeEach(() => vi.useFakeTimers({ toFake: ["Date", "setTimeout"], now: 1_780_000_000_000 }));
  afterEach(() => vi.useRealTimers());

  it("once the route is under attack, refusals wait delayMs before they are answered; genuine requests do not", async () => {
    await mustPutRoute(route("fg1", { failuresPerSecond: 5, delayMs: 300, keptPerSecond: 100 }));
    // Below the threshold: answered at once.
    for (let i = 0; i < 4; i++) {
      const r = start(forged("fg1", `198.51.100.${i}`));
      await tick(0);
      expect(r.state.settled).toBe(true);
      expect((await r.answer).status).toBe(401);
    }
    // The fifth failure in the second starts the attack; from then on refusals wait.
    const fifth = start(forged("fg1", "198.51.100.9"));
    await tick(0);
    const held = start(forged("fg1", "203.0.113.7"));
    await tick(100);
    expect(held.state.settled).toBe(false);
    // A genuine delivery meanwhile is forwarded and answered without waiting.
    const body = '{"ok":1}';
    const genuine = start(new Request(`${BASE}/fg1`, { method: "POST", headers: { "x-hub-signature-256": await octokitSign("s", body) }, body }));
    await tick(0);
    await vi.waitFor(() => expect(genuine.state.settled).toBe(true));
    expect((await genuine.answer).status).toBe(200);
    expect(origin.received).toHaveLength(1);
    await tick(250);
    expect(held.state.settled).toBe(true);
    expect((await held.answer).status).toBe(401);
    await tick(1000);
    expect((await fifth.answer).status).toBe(401);
  });

  it("under attack the event log keeps keptPerSecond refusals a second and one row counting the rest", async () => {
    await mustPutRoute(route("fg2", { failuresPerSecond: 3, delayMs: 0, keptPerSecond: 2 }));
    const answers = [];
    for (let i = 0; i < 20; i++) {
      answers.push(start(forged("fg2", `198.51.100.${i}`)).answer);
      await tick(0);
    }
    // The count is written when the second is over.
    await tick(1500);
    expect((await Promise.all(answers)).map((r) => r.status)).toEqual(Array(20).fill(401));
    const res = await call(`${BASE}/__gateway/routes/fg2/log?decision=rejected&limit=100`, { headers: ADMIN });
    const { entries } = (await res.json()) as { entries: { requestId: string; reason: string }[] };
    const summary = entries.filter((e) => e.requestId.startsWith("flood-"));
    // Two refusals before the attack began (the third starts it), two kept under attack, the other sixteen counted.
    expect(entries.length - summary.length).toBe(4);
    expect(summary).toHaveLength(1);
    expect(summary[0]!.reason).toBe("flood: 16 more refusals in this second not kept one by one (log lines and metrics count each)");
  });

  it("floodGuard: false: refusals are never held and every one is kept", async () => {
    await mustPutRoute(route("fg3", false));
    for (let i = 0; i < 60; i++) {
      const r = start(forged("fg3", `198.51.100.${i % 200}`));
      await tick(0);
      expect(r.state.settled).toBe(true);
      await r.answer;
    }
    const res = await call(`${BASE}/__gateway/routes/fg3/log?decision=rejected&limit=100`, { headers: ADMIN });
    expect(((await res.json()) as { entries: unknown[] }).entries).toHaveLength(60);
  });

  it("refuses a floodGuard that is neither false nor its settings", async () => {
    const { putRoute } = await import("../helpers");
    const res = await putRoute(route("fg4", { delayMs: 60_000 }));
    expect(res.status).toBe(400);
    const bad = await putRoute(route("fg4", true));
    expect(bad.status).toBe(400);
  });
});
