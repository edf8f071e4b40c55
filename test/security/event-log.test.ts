/**
 * Review findings on the event log:
 * - secrets reached it when their header had an unusual name (a token header
 *   `X-Webhook-Key`, Okta's `tokenHeader`, a custom HMAC header `X-Sig`) or sat in a
 *   stored body (Microsoft Graph's `clientState`);
 * - unauthenticated requests wiped it: every refusal was stored with all its headers and
 *   trimming evicted genuine entries (60 refused requests left 0 of 3 genuine ones).
 */
import { describe, expect, it } from "vitest";
import { MAX_REFUSED_HEADER_BYTES } from "../../src/durable/event-log";
import { ADMIN, BASE, call, mustPutRoute, useOrigin } from "../unit/helpers";

const ORIGIN = "http://origin.test";
type Entry = { seq: number; decision: string; observed?: string; headers?: [string, string][]; body?: string };
const log = async (route: string) => ((await (await call(`${BASE}/__gateway/routes/${route}/log?limit=1000`, { headers: ADMIN })).json()) as { entries: Entry[] }).entries;
const entry = async (route: string, seq: number) => (await (await call(`${BASE}/__gateway/routes/${route}/log/${seq}`, { headers: ADMIN })).json()) as Entry;

async function hexHmac(secret: string, body: string) {
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return [...new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(body)))].map((b) => b.toString(16).padStart(2, "0")).join("");
}

describe("secrets in the event log", () => {
  const origin = useOrigin();

  it("a token header with any name, Okta's tokenHeader and a custom HMAC header are masked; the values appear nowhere", async () => {
    const routes: { id: string; auth: unknown; headers: Record<string, string> }[] = [
      { id: "tkh", auth: { methods: [{ type: "token", in: "header", name: "X-Webhook-Key", secrets: ["tk-secret-value-1"] }] }, headers: { "x-webhook-key": "tk-secret-value-1" } },
      { id: "okt", auth: { methods: [{ type: "provider", provider: "okta", tokenHeader: "X-Hook-Pass", secrets: ["okta-secret-value"] }] }, headers: { "x-hook-pass": "okta-secret-value" } },
      {
        id: "sig",
        auth: { methods: [{ type: "hmac", algorithm: "sha256", header: "X-Sig", payload: "{body}", secrets: ["hmac-secret-value"] }] },
        headers: { "x-sig": await hexHmac("hmac-secret-value", "payload"), "x-echo": "copy of hmac-secret-value in another header" },
      },
    ];
    for (const r of routes) {
      await mustPutRoute({ id: r.id, host: "*", path: `/${r.id}`, origin: ORIGIN, auth: r.auth, observability: { storeBodies: true } });
      expect((await call(`${BASE}/${r.id}`, { method: "POST", headers: r.headers, body: "payload" })).status, r.id).toBe(200);
      const [latest] = await log(r.id);
      const stored = JSON.stringify(await entry(r.id, latest!.seq));
      for (const value of Object.values(r.headers)) expect(stored, r.id).not.toContain(value.replace("copy of ", ""));
      expect(stored).toContain("[masked");
    }
    expect(origin.received).toHaveLength(3);
  });

  it("Graph's clientState is cut out of a stored body", async () => {
    await mustPutRoute({
      id: "graph",
      host: "*",
      path: "/graph",
      origin: ORIGIN,
      auth: { methods: [{ type: "provider", provider: "msgraph", secrets: ["client-state-secret-42"] }] },
      observability: { storeBodies: true },
    });
    const body = JSON.stringify({ value: [{ subscriptionId: "s1", clientState: "client-state-secret-42", changeType: "created" }] });
    expect((await call(`${BASE}/graph`, { method: "POST", headers: { "content-type": "application/json" }, body })).status).toBe(200);
    expect(new TextDecoder().decode(origin.received[0]!.body)).toBe(body); // the origin still gets the exact bytes
    const [latest] = await log("graph");
    const stored = await entry("graph", latest!.seq);
    expect(stored.body).toContain('"clientState":"[masked]"');
    expect(JSON.stringify(stored)).not.toContain("client-state-secret-42");
  });
});

describe("refusals never evict accepted events", () => {
  const origin = useOrigin();

  it("60 refused requests with ~30 KB of headers each leave all 3 genuine entries, and each refusal's stored headers are capped", async () => {
    // Every refusal written (the flood guard off: its sampling would make this easier), the worst case for eviction.
    await mustPutRoute({ id: "flood", host: "*", path: "/flood", origin: ORIGIN, auth: { methods: [{ type: "token", in: "query", secrets: ["genuine-token"] }] }, observability: { maxEvents: 10 }, rateLimit: { floodGuard: false } });
    for (let i = 0; i < 3; i++) expect((await call(`${BASE}/flood?auth=genuine-token`, { method: "POST", body: `genuine ${i}` })).status).toBe(200);
    const big = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`x-junk-${i}`, "j".repeat(1000)]));
    for (let i = 0; i < 60; i++) expect((await call(`${BASE}/flood?auth=wrong`, { method: "POST", headers: big, body: "forged" })).status).toBe(401);
    const entries = await log("flood");
    expect(entries.filter((e) => e.decision === "forwarded")).toHaveLength(3);
    const refused = entries.filter((e) => e.decision === "rejected");
    expect(refused).toHaveLength(10); // the route's maxEvents, counted among refusals alone
    for (const r of refused) {
      const stored = await entry("flood", r.seq);
      expect(JSON.stringify(stored.headers).length).toBeLessThanOrEqual(MAX_REFUSED_HEADER_BYTES + 64);
      expect(stored.body).toBeUndefined();
    }
    expect(origin.received).toHaveLength(3);
  });

  it("observe mode: 60 unverified forwards leave all 3 verified entries (they are kept in the refusals' share)", async () => {
    await mustPutRoute({ id: "observed", host: "*", path: "/observed", origin: ORIGIN, enforce: false, auth: { methods: [{ type: "token", in: "query", secrets: ["genuine-token"] }] }, observability: { maxEvents: 10, storeBodies: true } });
    for (let i = 0; i < 3; i++) expect((await call(`${BASE}/observed?auth=genuine-token`, { method: "POST", body: `genuine ${i}` })).status).toBe(200);
    for (let i = 0; i < 60; i++) expect((await call(`${BASE}/observed?auth=wrong`, { method: "POST", body: `unverified ${i}` })).status).toBe(200);
    const entries = await log("observed");
    const verified = entries.filter((e) => e.decision === "forwarded" && !e.observed);
    expect(verified).toHaveLength(3);
    const unverified = entries.filter((e) => e.observed);
    expect(unverified).toHaveLength(10); // maxEvents, counted apart from the verified ones
    // Observe mode is for seeing why requests fail: their bodies stay where the route keeps bodies.
    expect((await entry("observed", unverified[0]!.seq)).body).toMatch(/^unverified /);
    expect(origin.received).toHaveLength(63); // observe mode still forwards everything
  });
});
