/**
 * Shedding: what is refused before the body is read (IP allow-list, per-IP bucket,
 * auth-failure cool-down, size) never causes a body read, a signature check or a forward;
 * the per-route bucket counts verified requests only.
 */
import { sign as octokitSign } from "@octokit/webhooks-methods";
import { describe, expect, it, vi } from "vitest";
import { kvReads } from "../../../src/config/store";
import { BASE, call, mustPutRoute, useOrigin } from "../helpers";

const ORIGIN = "http://origin.test";
const route = (extra: Record<string, unknown>) => ({
  id: "gh",
  host: "*",
  path: "/gh",
  origin: ORIGIN,
  auth: { methods: [{ type: "provider", provider: "github", secrets: ["s"] }] },
  ...extra,
});

/** A request whose body records whether anyone pulled on it. */
async function delivery(ip: string, opts: { forged?: boolean; body?: string } = {}) {
  const text = opts.body ?? '{"ok":1}';
  const signature = opts.forged ? `sha256=${"0".repeat(64)}` : await octokitSign("s", text);
  const probe = { pulled: false };
  const bytes = new TextEncoder().encode(text);
  const body = new ReadableStream<Uint8Array>(
    {
      pull(c) {
        probe.pulled = true;
        c.enqueue(bytes);
        c.close();
      },
    },
    { highWaterMark: 0 },
  );
  const init = { method: "POST", headers: { "cf-connecting-ip": ip, "x-hub-signature-256": signature }, body, duplex: "half" } as RequestInit;
  return { init, probe };
}

async function expect429(res: Response, limit: string) {
  expect(res.status).toBe(429);
  expect(Number(res.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
  expect(await res.json()).toMatchObject({ error: "rate_limited", limit });
}

describe("shedding", () => {
  const origin = useOrigin();

  it("per-IP limit: the request over the burst gets 429 before its body is read or a signature checked", async () => {
    await mustPutRoute(route({ rateLimit: { perIp: { requests: 60, periodSeconds: 60, burst: 2 } } }));
    for (let i = 0; i < 2; i++) expect((await call(`${BASE}/gh`, (await delivery("203.0.113.1")).init)).status).toBe(200);
    const verify = vi.spyOn(crypto.subtle, "verify");
    const { init, probe } = await delivery("203.0.113.1");
    await expect429(await call(`${BASE}/gh`, init), "ip");
    expect(probe.pulled).toBe(false);
    expect(verify).not.toHaveBeenCalled();
    expect(origin.received).toHaveLength(2);
    // another client is not affected
    expect((await call(`${BASE}/gh`, (await delivery("203.0.113.2")).init)).status).toBe(200);
  });

  it("a provider's published range is never limited", async () => {
    await mustPutRoute(route({ rateLimit: { perIp: { requests: 1, periodSeconds: 60 }, exemptCidrs: ["192.30.252.0/22"] } }));
    for (let i = 0; i < 5; i++) expect((await call(`${BASE}/gh`, (await delivery("192.30.253.9")).init)).status).toBe(200);
  });

  it("IP allow-list: an outsider gets 403 without a body read, a signature check or a forward; IPv6 ranges work", async () => {
    await mustPutRoute(route({ allowCidrs: ["192.30.252.0/22", "2a0a:a440::/29"] }));
    const verify = vi.spyOn(crypto.subtle, "verify");
    const { init, probe } = await delivery("198.51.100.7");
    const res = await call(`${BASE}/gh`, init);
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: string }).error).toBe("ip_not_allowed");
    expect([probe.pulled, verify.mock.calls.length, origin.received.length]).toEqual([false, 0, 0]);
    expect((await call(`${BASE}/gh`, (await delivery("2a0a:a441::5")).init)).status).toBe(200);
  });

  it("an oversize declared body is refused without a signature check", async () => {
    await mustPutRoute(route({ limits: { maxBodyBytes: 10 } }));
    const verify = vi.spyOn(crypto.subtle, "verify");
    const body = "x".repeat(11);
    const res = await call(`${BASE}/gh`, { method: "POST", headers: { "content-length": "11", "x-hub-signature-256": await octokitSign("s", body) }, body });
    expect(res.status).toBe(413);
    expect(verify).not.toHaveBeenCalled();
  });

  it("per-route limit counts verified requests only: a flood of forged requests leaves the provider's quota intact", async () => {
    await mustPutRoute(route({ rateLimit: { perRoute: { requests: 3, periodSeconds: 3600 } } }));
    for (let i = 0; i < 50; i++) expect((await call(`${BASE}/gh`, (await delivery(`198.51.100.${i}`, { forged: true })).init)).status).toBe(401);
    for (let i = 0; i < 3; i++) expect((await call(`${BASE}/gh`, (await delivery("192.30.252.1")).init)).status).toBe(200);
    await expect429(await call(`${BASE}/gh`, (await delivery("192.30.252.1")).init), "route");
    expect(origin.received).toHaveLength(3);
  });

  it('per-route limit with scope "global" is held in a Durable Object, shared by every isolate', async () => {
    await mustPutRoute(route({ id: "global-rl", rateLimit: { perRoute: { requests: 2, periodSeconds: 3600, scope: "global" } } }));
    for (let i = 0; i < 2; i++) expect((await call(`${BASE}/gh`, (await delivery("192.30.252.1")).init)).status).toBe(200);
    const { resetRateLimits } = await import("../../../src/pipeline/rate-limit");
    resetRateLimits(); // as if the next request landed in a fresh isolate
    await expect429(await call(`${BASE}/gh`, (await delivery("192.30.252.1")).init), "route");
  });

  it("an IP that keeps failing authentication is refused before its body is read, even with valid credentials, until the cool-down ends", async () => {
    await mustPutRoute(route({ rateLimit: { authFailures: { max: 3, periodSeconds: 60, cooldownSeconds: 300 } } }));
    vi.useFakeTimers({ toFake: ["Date"], now: 1_780_000_000_000 });
    try {
      for (let i = 0; i < 3; i++) expect((await call(`${BASE}/gh`, (await delivery("198.51.100.66", { forged: true })).init)).status).toBe(401);
      const { init, probe } = await delivery("198.51.100.66");
      await expect429(await call(`${BASE}/gh`, init), "auth_failures");
      expect(probe.pulled).toBe(false);
      expect((await call(`${BASE}/gh`, (await delivery("192.30.252.1")).init)).status).toBe(200);
      vi.setSystemTime(1_780_000_000_000 + 301_000);
      expect((await call(`${BASE}/gh`, (await delivery("198.51.100.66")).init)).status).toBe(200);
    } finally {
      vi.useRealTimers();
    }
  });

  it("a flood of unknown paths costs no KV read beyond the cached index", async () => {
    await mustPutRoute(route({}));
    await call(`${BASE}/warm`, { method: "POST" });
    const before = kvReads.count;
    for (let i = 0; i < 200; i++) expect((await call(`${BASE}/random/${i}`, { method: "POST", body: "x" })).status).toBe(404);
    expect(kvReads.count).toBe(before);
  });

  it("rejects invalid rate-limit and CIDR config naming the field", async () => {
    const { parseRouteConfig } = await import("../../../src/config/parse");
    const bad = parseRouteConfig(route({ allowCidrs: ["10.0.0.0/33"], rateLimit: { perIp: { requests: 0, periodSeconds: 60 } } }));
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.error.map((i) => i.path)).toEqual(expect.arrayContaining(["allowCidrs.0", "rateLimit.perIp.requests"]));
  });
});
