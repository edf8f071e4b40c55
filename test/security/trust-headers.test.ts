/**
 * Headers the origin trusts because the gateway sets them: no client can forge one, by
 * sending it (in any case, twice, beside a real one), by naming it in `Connection:` so the
 * gateway's own copy would be dropped, or through the queue, observe mode or origin
 * signing. Extends pipeline-hardening.test.ts ("host and forwarding headers"), which covers
 * one request with the common client-address claims.
 */
import { sign as octokitSign } from "@octokit/webhooks-methods";
import { env } from "cloudflare:workers";
import { runDurableObjectAlarm } from "cloudflare:test";
import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { BASE, call, mustPutRoute, text, useOrigin, type Received } from "../unit/helpers";

const ORIGIN = "http://origin.test";
const GH_SECRET = "gh-trust-secret-41d2";
const ORIGIN_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const CLIENT_IP = "203.0.113.9";
const FORGED = "forged-by-client";

/** Every X-Hookgate-* name the gateway sets somewhere (forward.ts, attest.ts, the queue, answers), and one it never sets. */
const HOOKGATE_NAMES = [
  "x-hookgate-verified",
  "x-hookgate-request-id",
  "x-hookgate-event-id",
  "x-hookgate-dedup",
  "x-hookgate-received-at",
  "x-hookgate-unverified",
  "x-hookgate-url-signature",
  "x-hookgate-attempt",
  "x-hookgate-duplicate",
  "x-hookgate-signature",
  "x-hookgate-trusted",
];
/** Client-address and path claims: only the gateway says these (README, "What the origin receives"). */
const CLIENT_CLAIMS = [
  "x-forwarded-for",
  "x-forwarded-host",
  "x-forwarded-proto",
  "x-forwarded-port",
  "x-forwarded-prefix",
  "x-forwarded-server",
  "x-forwarded-scheme",
  "x-forwarded-ssl",
  "x-forwarded-uri",
  "x-forwarded-client-cert",
  "x-real-ip",
  "true-client-ip",
  "forwarded",
  "x-client-ip",
  "x-cluster-client-ip",
];

const tokenRoute = (extra: Record<string, unknown> = {}) => ({
  id: "tk",
  host: "*",
  path: "/tk",
  origin: ORIGIN,
  auth: { methods: [{ type: "token", in: "query", secrets: ["trust-token"] }] },
  ...extra,
});
const ghRoute = (extra: Record<string, unknown> = {}) => ({
  id: "gh",
  host: "*",
  path: "/gh",
  origin: ORIGIN,
  auth: { methods: [{ type: "provider", provider: "github", secrets: [GH_SECRET] }] },
  ...extra,
});

/** Every forged name, in the spelling given, with a value that would be believed. */
function forgeries(spell: (name: string) => string = (n) => n): Headers {
  const h = new Headers();
  for (const name of [...HOOKGATE_NAMES, ...CLIENT_CLAIMS]) h.append(spell(name), FORGED);
  h.set(spell("x-hookgate-verified"), "hmac:github,hmac:stripe");
  h.set(spell("x-forwarded-for"), "127.0.0.1");
  h.set(spell("x-forwarded-proto"), "http");
  h.set(spell("x-forwarded-host"), "admin.internal");
  h.set(spell("x-forwarded-prefix"), "/admin");
  h.set(spell("x-forwarded-ssl"), "off");
  return h;
}

/** What the origin may believe: only the gateway's values. */
function expectOnlyGatewayValues(got: Received, expected: { verified: string; requestId: string; clientIp: string | null; eventId?: string }) {
  const h = got.headers;
  for (const [name, value] of h) {
    expect(value, name).not.toContain(FORGED);
  }
  expect(h.get("x-hookgate-verified")).toBe(expected.verified);
  expect(h.get("x-hookgate-request-id")).toBe(expected.requestId);
  expect(h.get("x-hookgate-event-id")).toBe(expected.eventId ?? null);
  expect(h.get("x-hookgate-hop")).toBe("1");
  expect(h.get("x-forwarded-for")).toBe(expected.clientIp);
  expect(h.get("x-forwarded-proto")).toBe("https");
  expect(h.get("x-forwarded-host")).toBe("hooks.example.com");
  for (const name of ["x-hookgate-unverified", "x-hookgate-url-signature", "x-hookgate-duplicate", "x-hookgate-signature", "x-hookgate-trusted", ...CLIENT_CLAIMS.slice(3)]) {
    expect(h.get(name), name).toBeNull();
  }
  expect(new Date(h.get("x-hookgate-received-at")!).getTime()).toBeGreaterThan(Date.now() - 60_000);
}

describe("forged gateway and forwarding headers never reach the origin", () => {
  const origin = useOrigin();

  it("every X-Hookgate-* and X-Forwarded-* name, X-Real-IP, True-Client-IP, Forwarded…: dropped, whatever their case, then the gateway's own set", async () => {
    await mustPutRoute(tokenRoute());
    const spellings = [(n: string) => n, (n: string) => n.toUpperCase(), (n: string) => n.replace(/(^|-)([a-z])/g, (_m, d: string, c: string) => d + c.toUpperCase())];
    for (const spell of spellings) {
      const headers = forgeries(spell);
      headers.set("cf-connecting-ip", CLIENT_IP);
      const res = await call(`${BASE}/tk?auth=trust-token`, { method: "POST", headers, body: "x" });
      expect(res.status).toBe(200);
      expectOnlyGatewayValues(origin.received.at(-1)!, { verified: "token:query", requestId: res.headers.get("x-hookgate-request-id")!, clientIp: CLIENT_IP });
      expect(origin.received.at(-1)!.headers.get("x-hookgate-dedup")).toBe("off");
    }
  });

  it("each forged header sent twice, or beside the real one's name in another case, is still dropped (no comma-joined survivor)", async () => {
    await mustPutRoute(tokenRoute());
    const headers = new Headers({ "cf-connecting-ip": CLIENT_IP });
    for (const name of [...HOOKGATE_NAMES, ...CLIENT_CLAIMS]) {
      headers.append(name, FORGED);
      headers.append(name.toUpperCase(), `${FORGED}-2`);
    }
    const res = await call(`${BASE}/tk?auth=trust-token`, { method: "POST", headers, body: "x" });
    expect(res.status).toBe(200);
    expectOnlyGatewayValues(origin.received[0]!, { verified: "token:query", requestId: res.headers.get("x-hookgate-request-id")!, clientIp: CLIENT_IP });
  });

  it("without CF-Connecting-IP the origin sees no X-Forwarded-For at all, not the client's", async () => {
    await mustPutRoute(tokenRoute());
    const res = await call(`${BASE}/tk?auth=trust-token`, { method: "POST", headers: forgeries(), body: "x" });
    expect(res.status).toBe(200);
    expectOnlyGatewayValues(origin.received[0]!, { verified: "token:query", requestId: res.headers.get("x-hookgate-request-id")!, clientIp: null });
  });

  it("the provider's event id is the gateway's X-Hookgate-Event-Id, not the client's", async () => {
    await mustPutRoute(ghRoute());
    const body = '{"action":"opened"}';
    const headers = forgeries();
    headers.set("cf-connecting-ip", CLIENT_IP);
    headers.set("x-hub-signature-256", await octokitSign(GH_SECRET, body));
    headers.set("x-github-delivery", "72d3162e-cc78-11e3-81ab-4c9367dc0958");
    const res = await call(`${BASE}/gh`, { method: "POST", headers, body });
    expect(res.status).toBe(200);
    expectOnlyGatewayValues(origin.received[0]!, { verified: "hmac:github", requestId: res.headers.get("x-hookgate-request-id")!, clientIp: CLIENT_IP, eventId: "72d3162e-cc78-11e3-81ab-4c9367dc0958" });
  });

  it("naming the gateway's own headers in Connection does not remove them: the gateway sets them after dropping what is listed", async () => {
    await mustPutRoute(tokenRoute());
    const listed = ["x-forwarded-for", "x-forwarded-proto", "x-forwarded-host", "x-hookgate-verified", "x-hookgate-request-id", "x-hookgate-hop", "x-hookgate-dedup", "x-hookgate-received-at", "cf-connecting-ip"];
    for (const connection of [listed.join(", "), listed.join(","), listed.map((n) => n.toUpperCase()).join(" ,\t"), `close, ${listed[0]}`]) {
      const headers = forgeries();
      headers.set("cf-connecting-ip", CLIENT_IP);
      headers.set("connection", connection);
      const res = await call(`${BASE}/tk?auth=trust-token`, { method: "POST", headers, body: "x" });
      expect(res.status, connection).toBe(200);
      const got = origin.received.at(-1)!;
      expectOnlyGatewayValues(got, { verified: "token:query", requestId: res.headers.get("x-hookgate-request-id")!, clientIp: CLIENT_IP });
      expect(got.headers.get("connection")).toBeNull();
    }
  });

  it("two Connection headers are one list: a header named in either is dropped, the gateway's values stay", async () => {
    await mustPutRoute(tokenRoute());
    const headers = new Headers({ "cf-connecting-ip": CLIENT_IP, "x-secret-a": "a", "x-secret-b": "b", "x-kept": "k" });
    headers.append("connection", "x-secret-a");
    headers.append("connection", "X-Secret-B, x-forwarded-for");
    expect((await call(`${BASE}/tk?auth=trust-token`, { method: "POST", headers, body: "x" })).status).toBe(200);
    const h = origin.received[0]!.headers;
    expect([h.get("x-secret-a"), h.get("x-secret-b"), h.get("x-kept"), h.get("x-forwarded-for")]).toEqual([null, null, "k", CLIENT_IP]);
  });

  it("a client's X-Hookgate-Hop is the loop marker: 508 and nothing forwarded, even with valid credentials", async () => {
    await mustPutRoute(tokenRoute());
    for (const name of ["x-hookgate-hop", "X-HOOKGATE-HOP"]) {
      const res = await call(`${BASE}/tk?auth=trust-token`, { method: "POST", headers: { [name]: "0" }, body: "x" });
      expect(res.status).toBe(508);
      expect(((await res.json()) as { error: string }).error).toBe("loop_detected");
    }
    expect(origin.received).toEqual([]);
  });

  it("observe mode (enforce: false): an unverified request is forwarded marked by the gateway, never with the client's verified claim", async () => {
    await mustPutRoute(ghRoute({ enforce: false }));
    const headers = forgeries();
    headers.set("x-hub-signature-256", `sha256=${"0".repeat(64)}`);
    const res = await call(`${BASE}/gh`, { method: "POST", headers, body: "{}" });
    expect(res.status).toBe(200);
    const h = origin.received[0]!.headers;
    expect(h.get("x-hookgate-verified")).toBe("");
    expect(h.get("x-hookgate-unverified")).toBe("hmac:github:signature_mismatch");
    for (const [name, value] of h) expect(value, name).not.toContain(FORGED);
  });

  it("origin signing: forged webhook-id/-timestamp/-signature and X-Hookgate-Url-Signature are replaced; the origin's check (standardwebhooks) passes on the gateway's", async () => {
    await mustPutRoute(tokenRoute({ originSigning: { secrets: [ORIGIN_SECRET] } }));
    const body = '{"signed":"by the gateway"}';
    const headers = forgeries();
    headers.set("webhook-id", "msg_forged");
    headers.set("webhook-timestamp", "1");
    headers.set("webhook-signature", `v1,${btoa("forged signature bytes, 32 long.")}`);
    const res = await call(`${BASE}/tk?auth=trust-token`, { method: "POST", headers, body });
    expect(res.status).toBe(200);
    const got = origin.received[0]!;
    expect(got.headers.get("webhook-id")).not.toBe("msg_forged");
    expect(got.headers.get("webhook-signature")).not.toContain(btoa("forged signature bytes, 32 long."));
    expect(got.headers.get("x-hookgate-url-signature")).toMatch(/^v1,/);
    expect(new Webhook(ORIGIN_SECRET).verify(text(got.body), Object.fromEntries(got.headers))).toEqual({ signed: "by the gateway" });
    for (const [name, value] of got.headers) expect(value, name).not.toContain(FORGED);
  });

  it("queue mode: what is stored and later delivered carries the gateway's headers only, the attempt number included", async () => {
    await mustPutRoute(ghRoute({ delivery: { mode: "queue" } }));
    const body = '{"queued":true}';
    const headers = forgeries();
    headers.set("cf-connecting-ip", CLIENT_IP);
    headers.set("x-hookgate-attempt", "99");
    headers.set("x-hub-signature-256", await octokitSign(GH_SECRET, body));
    headers.set("x-github-delivery", "delivery-queued-1");
    const res = await call(`${BASE}/gh`, { method: "POST", headers, body });
    expect(res.status).toBe(202);
    expect(origin.received).toEqual([]);
    await runDurableObjectAlarm(env.DELIVERY.get(env.DELIVERY.idFromName("delivery:gh")));
    expect(origin.received).toHaveLength(1);
    const got = origin.received[0]!;
    expect(text(got.body)).toBe(body);
    expect(got.headers.get("x-hookgate-attempt")).toBe("1");
    expectOnlyGatewayValues(got, { verified: "hmac:github", requestId: res.headers.get("x-hookgate-request-id")!, clientIp: CLIENT_IP, eventId: "delivery-queued-1" });
  });
});
