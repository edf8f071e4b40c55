/**
 * Review findings on the request path, each a test that failed before its fix: the
 * catch-all, hostile event ids, a malformed stored config's log line, the host's trailing
 * dot, and the forwarding headers a client may not set.
 */
import { env } from "cloudflare:workers";
import Stripe from "stripe";
import { afterEach, describe, expect, it, vi } from "vitest";
import { INDEX_KEY, routeKey } from "../../src/config/store";
import { ADMIN, BASE, call, mustPutRoute, useOrigin } from "../unit/helpers";

const ORIGIN = "http://origin.test";
const stripeSdk = new Stripe("sk_test_unused");
const stripeRoute = (extra: Record<string, unknown> = {}) => ({
  id: "st",
  host: "*",
  path: "/st",
  origin: ORIGIN,
  dedup: {},
  auth: { methods: [{ type: "provider", provider: "stripe", secrets: ["whsec_s"] }] },
  ...extra,
});
const signed = async (body: string) => ({
  method: "POST",
  headers: { "stripe-signature": await stripeSdk.webhooks.generateTestHeaderStringAsync({ payload: body, secret: "whsec_s" }), "content-type": "application/json" },
  body,
});
const logOf = async (route: string) =>
  ((await (await call(`${BASE}/__gateway/routes/${route}/log`, { headers: ADMIN })).json()) as { entries: { decision: string; reason?: string; status: number; eventId?: string }[] }).entries;

describe("the catch-all", () => {
  const origin = useOrigin();
  afterEach(() => vi.restoreAllMocks());

  it("an exception in a stage is a short JSON 500 internal_error with the request id, logged and recorded", async () => {
    await mustPutRoute(stripeRoute({ dedup: undefined }));
    const lines: string[] = [];
    vi.spyOn(console, "log").mockImplementation((l: string) => void lines.push(String(l)));
    vi.spyOn(crypto.subtle, "verify").mockRejectedValue(new TypeError("boom in verify"));
    const res = await call(`${BASE}/st`, await signed('{"id":"evt_1"}'));
    vi.mocked(crypto.subtle.verify).mockRestore();
    expect(res.status).toBe(500);
    expect(res.headers.get("content-type")).toBe("application/json");
    const body = (await res.json()) as { error: string; requestId: string };
    expect(body.error).toBe("internal_error");
    expect(body.requestId).toBe(res.headers.get("x-hookgate-request-id"));
    expect(JSON.stringify(body)).not.toContain("boom"); // the detail goes to the log, not the client
    const line = lines.map((l) => JSON.parse(l)).find((l) => l.msg === "request");
    expect(line).toMatchObject({ decision: "rejected", status: 500, route: "st" });
    expect(line.reason).toContain("internal_error: TypeError: boom in verify");
    expect((await logOf("st"))[0]).toMatchObject({ decision: "rejected", status: 500 });
    expect(origin.received).toHaveLength(0);
  });

  it("an exception after the dedup claim releases it: the provider's retry is forwarded, not refused as in flight", async () => {
    await mustPutRoute(stripeRoute({ originSigning: { secrets: ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"] } }));
    const request = await signed('{"id":"evt_claimed"}');
    const sign = vi.spyOn(crypto.subtle, "sign").mockRejectedValueOnce(new Error("signing broke"));
    expect((await call(`${BASE}/st`, request)).status).toBe(500);
    sign.mockRestore();
    const retry = await call(`${BASE}/st`, await signed('{"id":"evt_claimed"}'));
    expect(retry.status).toBe(200);
    expect(origin.received).toHaveLength(1);
  });

  it("a KV outage is 503 store_unavailable, not internal_error: nothing is let through", async () => {
    await mustPutRoute(stripeRoute());
    const broken = { ...env.ROUTES, get: () => Promise.reject(new Error("KV down")) } as unknown as KVNamespace;
    const { clearRouteCache } = await import("../../src/config/store");
    clearRouteCache();
    const res = await call(`${BASE}/st`, await signed('{"id":"evt_kv"}'), { ROUTES: broken });
    expect(res.status).toBe(503);
    expect(((await res.json()) as { error: string }).error).toBe("store_unavailable");
    expect(origin.received).toHaveLength(0);
  });
});

describe("hostile event ids", () => {
  const origin = useOrigin();

  it("an id with CR, LF and NUL is forwarded once, percent-encoded in its header; no header is injected", async () => {
    await mustPutRoute(stripeRoute());
    const body = JSON.stringify({ id: "evt_1\r\nX-Injected: yes\u0000é" });
    const res = await call(`${BASE}/st`, await signed(body));
    expect(res.status).toBe(200);
    const got = origin.received[0]!;
    expect(got.headers.get("x-hookgate-event-id")).toBe("evt_1%0D%0AX-Injected:%20yes%00%C3%A9");
    expect(got.headers.get("x-injected")).toBeNull();
    // the claim was committed: the retry is a duplicate, not a crash and not a second delivery
    const again = await call(`${BASE}/st`, await signed(body));
    expect([again.status, again.headers.get("x-hookgate-duplicate")]).toEqual([200, "true"]);
    expect(origin.received).toHaveLength(1);
    expect((await logOf("st")).slice(0, 2).map((e) => e.decision)).toEqual(["duplicate", "forwarded"]);
  });

  it("a very long id is not put in a header (the origin would answer 431) and still dedups", async () => {
    await mustPutRoute(stripeRoute());
    const body = JSON.stringify({ id: `evt_${"x".repeat(20_000)}` });
    expect((await call(`${BASE}/st`, await signed(body))).status).toBe(200);
    expect(origin.received[0]!.headers.get("x-hookgate-event-id")).toBeNull();
    expect((await call(`${BASE}/st`, await signed(body))).headers.get("x-hookgate-duplicate")).toBe("true");
    expect(origin.received).toHaveLength(1);
  });
});

describe("a malformed stored config", () => {
  useOrigin();

  it("fails closed with 503 and its log line names the field, never the value it holds", async () => {
    const secret = "PLAINTEXT-SECRET-4f1c9";
    await env.ROUTES.put(INDEX_KEY, JSON.stringify({ routes: [{ id: "bad", host: "*", path: "/bad", match: "exact" }] }));
    await env.ROUTES.put(routeKey("bad"), JSON.stringify({ id: "bad", host: "*", path: "/bad", auth: { methods: [{ type: "token", in: "query", secrets: [secret] }] } }));
    const lines: string[] = [];
    vi.spyOn(console, "log").mockImplementation((l: string) => void lines.push(String(l)));
    const res = await call(`${BASE}/bad?auth=${secret}`, { method: "POST", body: "x" });
    expect(res.status).toBe(503);
    expect(((await res.json()) as { error: string }).error).toBe("route_misconfigured");
    expect(lines.join("\n")).toContain("stored config invalid at auth.methods.0.secrets.0");
    expect(lines.join("\n")).not.toContain(secret);
  });
});

describe("host and forwarding headers", () => {
  const origin = useOrigin();

  it("a trailing dot in the host is the same host: it does not fall through to a \"*\" route with other auth", async () => {
    await mustPutRoute({ id: "named", host: "hooks.example.com", path: "/h", origin: ORIGIN, auth: { methods: [{ type: "token", in: "query", secrets: ["named-token"] }] } });
    await mustPutRoute({ id: "any", host: "*", path: "/h", origin: ORIGIN, auth: { methods: [{ type: "token", in: "query", secrets: ["weak"] }] } });
    expect((await call("https://hooks.example.com./h?auth=weak", { method: "POST", body: "x" })).status).toBe(401);
    expect((await call("https://HOOKS.example.com./h?auth=named-token", { method: "POST", body: "x" })).status).toBe(200);
    expect((await call("https://other.example.com/h?auth=weak", { method: "POST", body: "x" })).status).toBe(200);
    expect(origin.received).toHaveLength(2);
  });

  it("the origin sees the client address from CF-Connecting-IP only; client claims and Connection-listed headers are dropped", async () => {
    await mustPutRoute({ id: "tk", host: "*", path: "/tk", origin: ORIGIN, auth: { methods: [{ type: "token", in: "query", secrets: ["t"] }] } });
    const res = await call(`${BASE}/tk?auth=t`, {
      method: "POST",
      headers: {
        "cf-connecting-ip": "203.0.113.7",
        "x-forwarded-for": "10.0.0.1, 127.0.0.1",
        "x-real-ip": "127.0.0.1",
        "true-client-ip": "127.0.0.1",
        forwarded: "for=127.0.0.1;proto=https",
        "x-forwarded-proto": "http",
        "x-forwarded-host": "admin.internal",
        connection: "keep-alive, X-Internal-Auth, x-hookgate-trusted",
        "x-internal-auth": "let-me-in",
        "x-kept": "1",
      },
      body: "x",
    });
    expect(res.status).toBe(200);
    const h = origin.received[0]!.headers;
    expect(h.get("x-forwarded-for")).toBe("203.0.113.7");
    expect(h.get("x-forwarded-proto")).toBe("https");
    expect(h.get("x-forwarded-host")).toBe("hooks.example.com");
    for (const name of ["x-real-ip", "true-client-ip", "forwarded", "x-internal-auth", "connection"]) expect(h.get(name), name).toBeNull();
    expect(h.get("x-kept")).toBe("1");
  });
});
