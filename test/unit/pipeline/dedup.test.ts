/**
 * Dedup through the whole pipeline: each event reaches the origin once, a retry of an
 * event that did not reach it is forwarded, replays are stopped.
 */
import { sign as octokitSign } from "@octokit/webhooks-methods";
import Stripe from "stripe";
import { describe, expect, it, vi } from "vitest";
import { ADMIN, BASE, call, mustPutRoute, useOrigin } from "../helpers";

const ORIGIN = "http://origin.test";
const stripeSdk = new Stripe("sk_test_unused");

const github = { id: "gh", host: "*", path: "/gh", origin: ORIGIN, dedup: {}, auth: { methods: [{ type: "provider", provider: "github", secrets: ["s"] }] } };
const stripe = { id: "st", host: "*", path: "/st", origin: ORIGIN, dedup: { key: { jsonField: "id" } }, auth: { methods: [{ type: "provider", provider: "stripe", secrets: ["whsec_s"] }] } };

async function githubDelivery(body: string, delivery?: string): Promise<RequestInit> {
  const headers: Record<string, string> = { "x-hub-signature-256": await octokitSign("s", body) };
  if (delivery) headers["x-github-delivery"] = delivery;
  return { method: "POST", headers, body };
}

describe("dedup stage", () => {
  const origin = useOrigin();

  it("N identical deliveries at once reach the origin exactly once; the others are told to retry", async () => {
    await mustPutRoute(github);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    origin.respond(async () => {
      await gate;
      return new Response("ok");
    });
    const init = await githubDelivery('{"n":1}', "d-1");
    const all = Promise.all(Array.from({ length: 8 }, () => call(`${BASE}/gh`, init)));
    await vi.waitFor(() => expect(origin.received).toHaveLength(1));
    setTimeout(release, 20);
    const statuses = (await all).map((r) => r.status).sort();
    expect(statuses).toEqual([200, 409, 409, 409, 409, 409, 409, 409]);
    expect(origin.received).toHaveLength(1);
    const later = await call(`${BASE}/gh`, init);
    expect([later.status, later.headers.get("x-hookgate-duplicate")]).toEqual([200, "true"]);
    expect(origin.received).toHaveLength(1);
  });

  it("a copy in flight gets 409 with Retry-After, never 200", async () => {
    await mustPutRoute(github);
    let release!: () => void;
    origin.respond(() => new Promise<Response>((r) => (release = () => r(new Response("ok")))));
    const init = await githubDelivery('{"n":2}', "d-2");
    const first = call(`${BASE}/gh`, init);
    await vi.waitFor(() => expect(origin.received).toHaveLength(1));
    const copy = await call(`${BASE}/gh`, init);
    expect(copy.status).toBe(409);
    expect(Number(copy.headers.get("retry-after"))).toBeGreaterThan(0);
    release();
    expect((await first).status).toBe(200);
  });

  it("the retry of a delivery the origin failed is forwarded, then copies are duplicates", async () => {
    await mustPutRoute(github);
    const answers = [new Response("down", { status: 503 }), new Response("ok")];
    origin.respond(() => answers.shift() ?? new Response("ok"));
    const init = await githubDelivery('{"n":3}', "d-3");
    expect((await call(`${BASE}/gh`, init)).status).toBe(503);
    expect((await call(`${BASE}/gh`, init)).status).toBe(200);
    expect((await call(`${BASE}/gh`, init)).headers.get("x-hookgate-duplicate")).toBe("true");
    expect(origin.received).toHaveLength(2);
  });

  it("an unreachable origin releases the claim too", async () => {
    await mustPutRoute(github);
    let fail = true;
    origin.respond(() => {
      if (fail) throw new TypeError("connection refused");
      return new Response("ok");
    });
    const init = await githubDelivery('{"n":4}', "d-4");
    expect((await call(`${BASE}/gh`, init)).status).toBe(502);
    fail = false;
    expect((await call(`${BASE}/gh`, init)).status).toBe(200);
  });

  it("different events are all forwarded", async () => {
    await mustPutRoute({ ...github, dedup: { shards: 4 } });
    // Bodies unlike the other tests': GitHub does not sign its delivery id, so identical signed bytes are one event (security tests).
    for (let i = 0; i < 6; i++) expect((await call(`${BASE}/gh`, await githubDelivery(`{"n":${i},"distinct":true}`, `e-${i}`))).status).toBe(200);
    expect(origin.received).toHaveLength(6);
  });

  it("untimestamped scheme: a replay of a captured request is stopped by the signature+body hash", async () => {
    await mustPutRoute(github);
    const captured = await githubDelivery('{"action":"opened"}'); // no delivery id: falls back to the hash
    expect((await call(`${BASE}/gh`, captured)).status).toBe(200);
    const replay = await call(`${BASE}/gh`, captured);
    expect(replay.headers.get("x-hookgate-duplicate")).toBe("true");
    expect(origin.received).toHaveLength(1);
  });

  it("timestamped scheme: a replay inside the window is a duplicate, outside it is refused", async () => {
    await mustPutRoute(stripe);
    vi.useFakeTimers({ toFake: ["Date"], now: 1_780_000_000_000 });
    try {
      const body = '{"id":"evt_42","object":"event"}';
      const sig = await stripeSdk.webhooks.generateTestHeaderStringAsync({ payload: body, secret: "whsec_s", timestamp: 1_780_000_000 });
      const captured = { method: "POST", headers: { "stripe-signature": sig }, body };
      expect((await call(`${BASE}/st`, captured)).status).toBe(200);
      vi.setSystemTime(1_780_000_000_000 + 200_000);
      expect((await call(`${BASE}/st`, captured)).headers.get("x-hookgate-duplicate")).toBe("true");
      vi.setSystemTime(1_780_000_000_000 + 301_000);
      expect((await call(`${BASE}/st`, captured)).status).toBe(401);
      expect(origin.received).toHaveLength(1);
    } finally {
      vi.useRealTimers();
    }
  });

  it("a Stripe retry with a fresh signature is deduped by the event id in the body", async () => {
    await mustPutRoute(stripe);
    const body = '{"id":"evt_7","object":"event"}';
    for (let i = 0; i < 2; i++) {
      const sig = await stripeSdk.webhooks.generateTestHeaderStringAsync({ payload: body, secret: "whsec_s", timestamp: Math.floor(Date.now() / 1000) - i });
      await call(`${BASE}/st`, { method: "POST", headers: { "stripe-signature": sig }, body });
    }
    expect(origin.received).toHaveLength(1);
  });

  it("forged requests write no keys: a forged copy cannot block the genuine one", async () => {
    await mustPutRoute(github);
    const forged = { method: "POST", headers: { "x-hub-signature-256": `sha256=${"0".repeat(64)}`, "x-github-delivery": "d-9" }, body: '{"n":9}' };
    expect((await call(`${BASE}/gh`, forged)).status).toBe(401);
    expect((await call(`${BASE}/gh`, await githubDelivery('{"n":9}', "d-9"))).status).toBe(200);
  });

  it("admin API shows a key's state and forgets it to force a re-delivery", async () => {
    await mustPutRoute(github);
    const init = await githubDelivery('{"n":10}', "d-10");
    await call(`${BASE}/gh`, init);
    const key = encodeURIComponent("id:d-10");
    const state = await call(`${BASE}/__gateway/routes/gh/dedup/${key}`, { headers: ADMIN });
    expect(await state.json()).toMatchObject({ key: "id:d-10", state: "delivered" });
    expect((await call(`${BASE}/__gateway/routes/gh/dedup/${key}`, { method: "DELETE", headers: ADMIN })).status).toBe(200);
    expect((await call(`${BASE}/gh`, init)).status).toBe(200);
    expect(origin.received).toHaveLength(2);
    expect((await call(`${BASE}/__gateway/routes/gh/dedup/${encodeURIComponent("id:nope")}`, { headers: ADMIN })).status).toBe(404);
  });
});

describe("settlements sent in batches", () => {
  it("settlements that come while one is on its way all land, with the first sender's promise", async () => {
    const { env } = await import("cloudflare:workers");
    const { settleLater } = await import("../../../src/pipeline/dedup");
    const shard = env.DEDUP.get(env.DEDUP.idFromName("dedup:batched:0"));
    const T = Date.now();
    const keys = Array.from({ length: 120 }, (_, i) => `id:e${i}`);
    for (const k of keys) expect((await shard.claim(k, { now: T, leaseMs: 60_000, retentionMs: 3_600_000 })).status).toBe("claimed");
    // 120 at once: the first is sent alone, the other 119 gather behind it and go in the next call
    const sent = keys.map((k, i) => settleLater(env, "dedup:batched:0", { keys: [k], peers: [], delivered: i % 2 === 0, at: T, retentionMs: 3_600_000 }));
    await Promise.all(sent);
    const states = await Promise.all(keys.map(async (k) => (await shard.lookup(k))?.state ?? "gone"));
    expect(states.filter((s) => s === "delivered")).toHaveLength(60);
    expect(states.filter((s) => s === "gone")).toHaveLength(60); // released: the provider's retry is forwarded
    expect(states.filter((s) => s === "in_flight")).toHaveLength(0);
  });
});
