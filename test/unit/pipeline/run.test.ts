/**
 * The whole webhook path inside workerd: admin PUT -> KV -> request -> verification ->
 * what the origin receives, byte for byte, and every refusal with its status.
 */
import { sign as octokitSign } from "@octokit/webhooks-methods";
import { env } from "cloudflare:workers";
import Stripe from "stripe";
import { describe, expect, it, vi } from "vitest";
import { clearRouteCache, kvReads, routeKey } from "../../../src/config/store";
import { BASE, call, mustPutRoute, text, useOrigin } from "../helpers";

const ORIGIN = "http://origin.test:9000";
const stripeSdk = new Stripe("sk_test_unused");
const basic = (u: string, p: string) => `Basic ${btoa(`${u}:${p}`)}`;

const routes = {
  stripe: { id: "stripe", host: "hooks.example.com", path: "/hooks/stripe", origin: ORIGIN, auth: { methods: [{ type: "provider", provider: "stripe", secrets: ["whsec_s1"] }] } },
  github: {
    id: "github",
    host: "*",
    path: "/hooks/github",
    origin: ORIGIN,
    auth: { methods: [{ type: "provider", provider: "github", secrets: ["gh-secret"] }] },
    limits: { maxBodyBytes: 4096, methods: ["POST"], contentTypes: ["application/json", "application/xml", "application/x-www-form-urlencoded", "application/octet-stream"] },
  },
  token: { id: "token", host: "*", path: "/hooks/token", match: "prefix", origin: ORIGIN, auth: { methods: [{ type: "token", in: "query", secrets: ["TK"] }] } },
  basic: { id: "basic", host: "*", path: "/hooks/basic", origin: ORIGIN, auth: { methods: [{ type: "basic", username: "hooks", secrets: ["pass:word"] }] } },
  self: { id: "self", host: "*", path: "/app/hook", auth: { methods: [{ type: "token", in: "header", name: "X-Gitlab-Token", secrets: ["glt"] }] } },
};

describe("webhook pipeline", () => {
  const origin = useOrigin();

  it("forwards a Stripe event signed by the stripe SDK, exact bytes and headers", async () => {
    await mustPutRoute(routes.stripe);
    const body = '{"id":"evt_1","object":"event","name":"\\u00e4\\u00f6"}';
    const sig = await stripeSdk.webhooks.generateTestHeaderStringAsync({ payload: body, secret: "whsec_s1" });
    const res = await call(`${BASE}/hooks/stripe?x=1&y=%20z`, {
      method: "POST",
      headers: { "stripe-signature": sig, "content-type": "application/json", "cf-connecting-ip": "203.0.113.9", "x-hookgate-verified": "forged", connection: "keep-alive" },
      body,
    });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("ok from origin");
    expect(res.headers.get("x-hookgate-request-id")).toBeTruthy();
    const [got] = origin.received;
    expect(origin.received).toHaveLength(1);
    expect(got!.url).toBe(`${ORIGIN}/hooks/stripe?x=1&y=%20z`);
    expect(text(got!.body)).toBe(body);
    expect(got!.headers.get("stripe-signature")).toBe(sig); // origin may re-verify
    expect(got!.headers.get("x-hookgate-verified")).toBe("hmac:stripe");
    expect(got!.headers.get("x-forwarded-for")).toBe("203.0.113.9");
    expect(got!.headers.get("x-forwarded-proto")).toBe("https");
    expect(got!.headers.get("x-forwarded-host")).toBe("hooks.example.com");
    expect(got!.headers.get("connection")).toBeNull();
  });

  it("forwards JSON, XML, form and binary bodies byte for byte (GitHub preset, octokit signatures)", async () => {
    await mustPutRoute(routes.github);
    const binary = new Uint8Array([0, 255, 0xc3, 0x28, 13, 10, 0, 128]);
    const bodies: [string, Uint8Array][] = [
      ["application/json", new TextEncoder().encode('{"zen":"Design for failure.","hook_id":1}')],
      ["application/xml", new TextEncoder().encode('<?xml version="1.0"?><event id="1">&amp;</event>')],
      ["application/x-www-form-urlencoded", new TextEncoder().encode("payload=%7B%22a%22%3A1%7D&b=+")],
      ["application/octet-stream", binary],
    ];
    for (const [type, body] of bodies) {
      // octokit's sign() takes strings only, so the non-UTF-8 body is signed by the documented construction.
      const sig = type === "application/octet-stream" ? await signBytes("gh-secret", body) : await octokitSign("gh-secret", new TextDecoder().decode(body));
      const res = await call(`${BASE}/hooks/github`, { method: "POST", headers: { "content-type": type, "x-hub-signature-256": sig }, body });
      expect(res.status, type).toBe(200);
    }
    expect(origin.received.map((r) => Array.from(r.body))).toEqual(bodies.map(([, b]) => Array.from(b)));
  });

  it("strips the URL token but keeps every other query byte", async () => {
    await mustPutRoute(routes.token);
    const res = await call(`${BASE}/hooks/token/sub?a=1&auth=TK&b=%2F+x`, { method: "POST", body: "x" });
    expect(res.status).toBe(200);
    expect(origin.received[0]!.url).toBe(`${ORIGIN}/hooks/token/sub?a=1&b=%2F+x`);
    expect(origin.received[0]!.headers.get("x-hookgate-verified")).toBe("token:query");
  });

  it("does not forward the Basic credentials", async () => {
    await mustPutRoute(routes.basic);
    const res = await call(`${BASE}/hooks/basic`, { method: "POST", headers: { authorization: basic("hooks", "pass:word") }, body: "x" });
    expect(res.status).toBe(200);
    expect(origin.received[0]!.headers.get("authorization")).toBeNull();
  });

  it("forwards to the app behind the route itself when no origin is set, without the header token", async () => {
    await mustPutRoute(routes.self);
    const res = await call(`${BASE}/app/hook?q=1`, { method: "POST", headers: { "x-gitlab-token": "glt" }, body: "x" });
    expect(res.status).toBe(200);
    expect(origin.received[0]!.url).toBe(`${BASE}/app/hook?q=1`);
    expect(origin.received[0]!.headers.get("x-gitlab-token")).toBeNull();
    expect(origin.received[0]!.headers.get("x-hookgate-hop")).toBe("1");
  });

  it("relays the origin's status, headers and body", async () => {
    await mustPutRoute(routes.token);
    origin.respond(() => new Response("nope", { status: 422, headers: { "x-app": "1" } }));
    const res = await call(`${BASE}/hooks/token?auth=TK`, { method: "POST", body: "x" });
    expect([res.status, res.headers.get("x-app"), await res.text()]).toEqual([422, "1", "nope"]);
  });

  describe("refusals", () => {
    async function expectRefused(res: Response, status: number, error: string) {
      expect(res.status).toBe(status);
      const body = (await res.json()) as { error: string; requestId: string };
      expect(body.error).toBe(error);
      expect(body.requestId).toBeTruthy();
      expect(origin.received).toHaveLength(0);
    }

    it("401 for a tampered Stripe body, with a generic body", async () => {
      await mustPutRoute(routes.stripe);
      const sig = await stripeSdk.webhooks.generateTestHeaderStringAsync({ payload: '{"a":1}', secret: "whsec_s1" });
      await expectRefused(await call(`${BASE}/hooks/stripe`, { method: "POST", headers: { "stripe-signature": sig }, body: '{"a":2}' }), 401, "unauthenticated");
    });

    it("401 for a wrong secret, a stale and a future timestamp", async () => {
      await mustPutRoute(routes.stripe);
      // A fixed clock: the gateway's "now" is exactly the test's, so 301 s is just outside the window.
      vi.useFakeTimers({ toFake: ["Date"], now: 1_780_000_000_000 });
      try {
        const now = 1_780_000_000;
        for (const [secret, timestamp] of [["whsec_wrong", now], ["whsec_s1", now - 301], ["whsec_s1", now + 301]] as const) {
          const sig = await stripeSdk.webhooks.generateTestHeaderStringAsync({ payload: "{}", secret, timestamp });
          await expectRefused(await call(`${BASE}/hooks/stripe`, { method: "POST", headers: { "stripe-signature": sig }, body: "{}" }), 401, "unauthenticated");
        }
      } finally {
        vi.useRealTimers();
      }
    });

    it("401 with a WWW-Authenticate challenge for a wrong Basic password", async () => {
      await mustPutRoute(routes.basic);
      const res = await call(`${BASE}/hooks/basic`, { method: "POST", headers: { authorization: basic("hooks", "pass") }, body: "x" });
      expect(res.headers.get("www-authenticate")).toBe('Basic realm="webhooks", charset="UTF-8"');
      await expectRefused(res, 401, "unauthenticated");
    });

    it("401 for a wrong token, before the body is read", async () => {
      await mustPutRoute(routes.token);
      let pulled = false;
      const body = new ReadableStream({ pull: () => void (pulled = true) }, { highWaterMark: 0 });
      await expectRefused(await call(`${BASE}/hooks/token?auth=nope`, { method: "POST", body, duplex: "half" } as RequestInit), 401, "unauthenticated");
      expect(pulled).toBe(false);
    });

    it("403 for plain http unless ALLOW_HTTP", async () => {
      await mustPutRoute(routes.token);
      await expectRefused(await call("http://hooks.example.com/hooks/token?auth=TK", { method: "POST", body: "x" }), 403, "https_required");
      const ok = await call("http://hooks.example.com/hooks/token?auth=TK", { method: "POST", body: "x" }, { ALLOW_HTTP: "true" });
      expect(ok.status).toBe(200);
    });

    it("404 for an unknown route, 404 for a path that only shares a prefix", async () => {
      await mustPutRoute(routes.stripe);
      await expectRefused(await call(`${BASE}/nothing`, { method: "POST" }), 404, "route_not_found");
      await expectRefused(await call(`${BASE}/hooks/stripe/x`, { method: "POST" }), 404, "route_not_found");
      await expectRefused(await call("https://other.example.com/hooks/stripe", { method: "POST" }), 404, "route_not_found");
    });

    it("405 with Allow for a disallowed method", async () => {
      await mustPutRoute(routes.github);
      const res = await call(`${BASE}/hooks/github`, { method: "PUT", body: "{}" });
      expect(res.headers.get("allow")).toBe("POST");
      await expectRefused(res, 405, "method_not_allowed");
    });

    it("415 for a content type the route does not accept", async () => {
      await mustPutRoute(routes.github);
      await expectRefused(await call(`${BASE}/hooks/github`, { method: "POST", headers: { "content-type": "text/plain" }, body: "{}" }), 415, "unsupported_media_type");
      await expectRefused(await call(`${BASE}/hooks/github`, { method: "POST", body: new Uint8Array([1]) }), 415, "unsupported_media_type");
    });

    it("413 for a declared oversize body, without reading it", async () => {
      await mustPutRoute(routes.github);
      const body = "x".repeat(4097);
      await expectRefused(await call(`${BASE}/hooks/github`, { method: "POST", headers: { "content-type": "application/json", "x-hub-signature-256": await octokitSign("gh-secret", body) }, body }), 413, "payload_too_large");
    });

    it("413 for a chunked body that grows past the cap, counted on real bytes", async () => {
      await mustPutRoute(routes.github);
      let sent = 0;
      const stream = new ReadableStream<Uint8Array>({
        pull(c) {
          sent += 1024;
          c.enqueue(new Uint8Array(1024).fill(32));
          if (sent >= 64 * 1024) c.close();
        },
      });
      const res = await call(`${BASE}/hooks/github`, { method: "POST", headers: { "content-type": "application/json", "x-hub-signature-256": "sha256=00" }, body: stream, duplex: "half" } as RequestInit);
      await expectRefused(res, 413, "payload_too_large");
      expect(sent).toBeLessThan(64 * 1024);
    });

    it("502 with Retry-After when the origin cannot be reached", async () => {
      await mustPutRoute(routes.token);
      origin.respond(() => {
        throw new TypeError("Network connection lost.");
      });
      const res = await call(`${BASE}/hooks/token?auth=TK`, { method: "POST", body: "x" });
      expect([res.status, res.headers.get("retry-after")]).toEqual([502, "30"]);
      expect(((await res.json()) as { error: string }).error).toBe("origin_unreachable");
    });

    it("504 with Retry-After when the origin times out", async () => {
      await mustPutRoute({ ...routes.token, originTimeoutMs: 100 });
      origin.respond(() => {
        throw new DOMException("The operation was aborted due to timeout", "TimeoutError");
      });
      const res = await call(`${BASE}/hooks/token?auth=TK`, { method: "POST", body: "x" });
      expect([res.status, res.headers.get("retry-after")]).toEqual([504, "30"]);
    });

    it("508 for a request the gateway itself forwarded (origin pointing back at the gateway)", async () => {
      await mustPutRoute(routes.token);
      await expectRefused(await call(`${BASE}/hooks/token?auth=TK`, { method: "POST", headers: { "x-hookgate-hop": "1" }, body: "x" }), 508, "loop_detected");
    });
  });

  describe("fails closed", () => {
    it("503 when SECRETS_KEY is missing: the route is refused, not opened", async () => {
      await mustPutRoute(routes.token);
      clearRouteCache();
      const res = await call(`${BASE}/hooks/token?auth=TK`, { method: "POST", body: "x" }, { SECRETS_KEY: undefined });
      expect(res.status).toBe(503);
      expect(((await res.json()) as { error: string }).error).toBe("route_misconfigured");
      expect(origin.received).toHaveLength(0);
    });

    it("503 with Retry-After when KV cannot be read", async () => {
      clearRouteCache();
      const broken = { get: () => Promise.reject(new Error("KV down")) } as unknown as KVNamespace;
      const res = await call(`${BASE}/hooks/token?auth=TK`, { method: "POST", body: "x" }, { ROUTES: broken });
      expect([res.status, res.headers.get("retry-after")]).toEqual([503, "60"]);
      expect(((await res.json()) as { error: string }).error).toBe("store_unavailable");
    });

    it("503 when SECRETS_KEY is a different key", async () => {
      await mustPutRoute(routes.token);
      clearRouteCache();
      const res = await call(`${BASE}/hooks/token?auth=TK`, { method: "POST", body: "x" }, { SECRETS_KEY: btoa("k".repeat(32)) });
      expect(res.status).toBe(503);
    });

    it("503 when the stored config was edited into something invalid", async () => {
      await mustPutRoute(routes.token);
      const stored = (await env.ROUTES.get(routeKey("token"), "json")) as { auth: { methods: unknown[] } };
      stored.auth.methods = [];
      await env.ROUTES.put(routeKey("token"), JSON.stringify(stored));
      clearRouteCache();
      const res = await call(`${BASE}/hooks/token?auth=TK`, { method: "POST", body: "x" });
      expect(res.status).toBe(503);
      expect(origin.received).toHaveLength(0);
    });
  });

  describe("auth modes", () => {
    const both = (mode: string) => ({
      id: "both",
      host: "*",
      path: "/both",
      origin: ORIGIN,
      auth: { mode, methods: [{ type: "token", in: "query", secrets: ["TK"] }, { type: "provider", provider: "github", secrets: ["gh"] }] },
    });

    it('"all" needs every method', async () => {
      await mustPutRoute(both("all"));
      const sig = await octokitSign("gh", "x");
      expect((await call(`${BASE}/both?auth=TK`, { method: "POST", headers: { "x-hub-signature-256": sig }, body: "x" })).status).toBe(200);
      expect((await call(`${BASE}/both?auth=TK`, { method: "POST", body: "x" })).status).toBe(401);
      expect((await call(`${BASE}/both`, { method: "POST", headers: { "x-hub-signature-256": sig }, body: "x" })).status).toBe(401);
      expect(origin.received[0]!.headers.get("x-hookgate-verified")).toBe("token:query,hmac:github");
    });

    it('"any" needs one', async () => {
      await mustPutRoute(both("any"));
      const sig = await octokitSign("gh", "x");
      expect((await call(`${BASE}/both?auth=TK`, { method: "POST", body: "x" })).status).toBe(200);
      expect((await call(`${BASE}/both`, { method: "POST", headers: { "x-hub-signature-256": sig }, body: "x" })).status).toBe(200);
      expect((await call(`${BASE}/both?auth=no`, { method: "POST", body: "x" })).status).toBe(401);
    });
  });

  describe("logging", () => {
    it("writes one JSON line per request with the decision and exact reason, never the token", async () => {
      await mustPutRoute(routes.token);
      const logs = vi.spyOn(console, "log");
      await call(`${BASE}/hooks/token?auth=TK`, { method: "POST", body: "x" });
      await call(`${BASE}/hooks/token?auth=TK-wrong`, { method: "POST", body: "x" });
      const lines = logs.mock.calls.map(([l]) => JSON.parse(String(l)) as Record<string, unknown>);
      expect(lines).toHaveLength(2);
      expect(lines[0]).toMatchObject({ route: "token", decision: "forwarded", status: 200, originStatus: 200, verifiedBy: "token:query", path: "/hooks/token" });
      expect(lines[1]).toMatchObject({ route: "token", decision: "rejected", status: 401, reason: "token:query:credentials_mismatch" });
      expect(JSON.stringify(lines)).not.toContain("TK");
    });
  });

  describe("caching", () => {
    it("a warm route costs no KV read, and an unknown path none beyond the cached index", async () => {
      await mustPutRoute(routes.token);
      clearRouteCache();
      await call(`${BASE}/hooks/token?auth=TK`, { method: "POST", body: "x" });
      const before = kvReads.count;
      for (let i = 0; i < 20; i++) {
        await call(`${BASE}/hooks/token?auth=TK`, { method: "POST", body: "x" });
        await call(`${BASE}/unknown/${i}`, { method: "POST", body: "x" });
      }
      expect(kvReads.count).toBe(before);
    });

    it("refreshes a route after the cache TTL, serving the cached one meanwhile", async () => {
      vi.useFakeTimers({ toFake: ["Date"] });
      try {
        await mustPutRoute(routes.token);
        await call(`${BASE}/hooks/token?auth=TK`, { method: "POST", body: "x" });
        // another isolate rotates the token: KV changes, this isolate's cache does not
        await env.ROUTES.put(routeKey("token"), (await env.ROUTES.get(routeKey("token")))!);
        const before = kvReads.count;
        vi.advanceTimersByTime(16_000);
        expect((await call(`${BASE}/hooks/token?auth=TK`, { method: "POST", body: "x" })).status).toBe(200);
        expect(kvReads.count).toBeGreaterThan(before);
      } finally {
        vi.useRealTimers();
      }
    });
  });
});

async function signBytes(secret: string, body: Uint8Array): Promise<string> {
  // GitHub's documented construction, hex HMAC-SHA256 of the raw bytes: only for the
  // non-UTF-8 body, which octokit's sign() cannot take; every other body uses octokit.
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, body));
  return `sha256=${Array.from(mac, (b) => b.toString(16).padStart(2, "0")).join("")}`;
}
