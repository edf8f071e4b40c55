/**
 * Review findings on the admin API's front door:
 * - wrong tokens were not throttled (300 guesses in 3.2 s): a client presenting 10 wrong
 *   tokens within a minute is refused every token, the right one included, for 5 minutes;
 *   IPv6 clients count per /64;
 * - it answered on every hostname the Worker serves: ADMIN_HOST and ADMIN_ALLOW_CIDRS
 *   narrow it, and everyone else gets the 404 of a path nothing serves;
 * - the dashboard answered 500 on every load after the first in an isolate.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { ADMIN_COOLDOWN_MS, ADMIN_FAILURES_MAX } from "../../src/admin/guard";
import { ADMIN, BASE, call, useOrigin } from "../unit/helpers";

const routes = (ip: string, authorization?: string, bindings = {}, base = BASE) =>
  call(`${base}/__gateway/routes`, { headers: { "cf-connecting-ip": ip, ...(authorization && { authorization }) } }, bindings);

describe("refused admin tokens", () => {
  useOrigin();
  afterEach(() => vi.useRealTimers());

  it(`${ADMIN_FAILURES_MAX} wrong tokens in a minute: every token from that address is refused with 429 and retry-after`, async () => {
    for (let i = 0; i < ADMIN_FAILURES_MAX; i++) expect((await routes("198.51.100.7", `Bearer guess-${i}`)).status, `guess ${i}`).toBe(401);
    const blocked = await routes("198.51.100.7", `Bearer guess-x`);
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(Number(blocked.headers.get("retry-after"))).toBeLessThanOrEqual(ADMIN_COOLDOWN_MS / 1000);
    expect(await blocked.json()).toMatchObject({ error: "rate_limited" });
    // the right token too: otherwise a guess that succeeds would still be told apart
    expect((await routes("198.51.100.7", ADMIN.authorization)).status).toBe(429);
    // another client is not affected
    expect((await routes("198.51.100.8", ADMIN.authorization)).status).toBe(200);
  });

  it("rotating addresses inside one IPv6 /64 does not buy more guesses", async () => {
    for (let i = 0; i < ADMIN_FAILURES_MAX; i++) expect((await routes(`2001:db8:1:2::${i + 1}`, `Bearer g${i}`)).status).toBe(401);
    expect((await routes("2001:db8:1:2:ffff::9", ADMIN.authorization)).status).toBe(429);
    expect((await routes("2001:db8:1:3::1", ADMIN.authorization)).status).toBe(200);
  });

  it("the cool-down ends, and the right token works again", async () => {
    vi.useFakeTimers({ toFake: ["Date"], now: 1_790_000_000_000 });
    for (let i = 0; i < ADMIN_FAILURES_MAX; i++) await routes("203.0.113.5", `Bearer g${i}`);
    expect((await routes("203.0.113.5", ADMIN.authorization)).status).toBe(429);
    vi.setSystemTime(1_790_000_000_000 + ADMIN_COOLDOWN_MS + 1000);
    expect((await routes("203.0.113.5", ADMIN.authorization)).status).toBe(200);
  });

  it("failures spread wider than the window never add up to a cool-down", async () => {
    vi.useFakeTimers({ toFake: ["Date"], now: 1_790_000_000_000 });
    for (let i = 0; i < 3 * ADMIN_FAILURES_MAX; i++) {
      vi.setSystemTime(1_790_000_000_000 + i * 10_000); // one guess every 10 s: a typo now and then
      expect((await routes("203.0.113.6", `Bearer g${i}`)).status).toBe(401);
    }
    // 6 a minute stays under the limit of 10 a minute
    expect((await routes("203.0.113.6", ADMIN.authorization)).status).toBe(200);
  });

  it("calls without any token are not guesses and are not counted", async () => {
    for (let i = 0; i < 3 * ADMIN_FAILURES_MAX; i++) expect((await routes("203.0.113.7")).status).toBe(401);
    expect((await routes("203.0.113.7", ADMIN.authorization)).status).toBe(200);
  });

  it("health and the dashboard page stay reachable during a cool-down (they hold no data)", async () => {
    for (let i = 0; i < ADMIN_FAILURES_MAX; i++) await routes("203.0.113.8", `Bearer g${i}`);
    const headers = { "cf-connecting-ip": "203.0.113.8" };
    expect((await call(`${BASE}/__gateway/health`, { headers })).status).toBe(200);
    expect((await call(`${BASE}/__gateway/dashboard`, { headers })).status).toBe(200);
  });
});

describe("ADMIN_HOST and ADMIN_ALLOW_CIDRS", () => {
  useOrigin();

  it("with ADMIN_HOST set, other hosts get 404 for every admin path, the admin host works (any case, trailing dot)", async () => {
    const bindings = { ADMIN_HOST: "admin.example.com" };
    for (const path of ["/health", "/dashboard", "/routes"]) {
      const res = await call(`${BASE}/__gateway${path}`, { headers: ADMIN }, bindings);
      expect([path, res.status]).toEqual([path, 404]);
      expect(await res.text()).not.toContain("unauthorized");
    }
    for (const host of ["admin.example.com", "ADMIN.Example.com", "admin.example.com."]) {
      expect((await routes("198.51.100.1", ADMIN.authorization, bindings, `https://${host}`)).status, host).toBe(200);
    }
  });

  it("with ADMIN_ALLOW_CIDRS set, addresses outside get 404, inside work", async () => {
    const bindings = { ADMIN_ALLOW_CIDRS: "192.0.2.0/24, 2001:db8:aa::/48" };
    expect((await routes("198.51.100.1", ADMIN.authorization, bindings)).status).toBe(404);
    expect((await call(`${BASE}/__gateway/health`, {}, bindings)).status).toBe(404); // no CF-Connecting-IP: outside
    expect((await routes("192.0.2.77", ADMIN.authorization, bindings)).status).toBe(200);
    expect((await routes("2001:db8:aa:1::5", ADMIN.authorization, bindings)).status).toBe(200);
    expect((await routes("2001:db8:ab::5", ADMIN.authorization, bindings)).status).toBe(404);
  });

  it("a malformed ADMIN_ALLOW_CIDRS shuts the admin API (fails closed) and says why", async () => {
    for (const value of ["192.0.2.0/33", "not-an-ip", "192.0.2.1,,bogus"]) {
      const res = await routes("192.0.2.1", ADMIN.authorization, { ADMIN_ALLOW_CIDRS: value });
      expect([value, res.status]).toEqual([value, 500]);
      expect(await res.json()).toMatchObject({ error: "server_misconfigured" });
    }
  });

  it("webhook routes are unaffected by either", async () => {
    const res = await call(`${BASE}/not-a-route`, { method: "POST", body: "{}" }, { ADMIN_HOST: "admin.example.com", ADMIN_ALLOW_CIDRS: "192.0.2.0/24" });
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: "route_not_found" });
  });
});

describe("the dashboard page", () => {
  it("answers 200 with its CSP on every load in one isolate", async () => {
    for (let i = 0; i < 3; i++) {
      const res = await call(`${BASE}/__gateway/dashboard`);
      expect(res.status, `load ${i + 1}`).toBe(200);
      expect(res.headers.get("content-security-policy")).toMatch(/script-src 'sha256-[A-Za-z0-9+/=]+'/);
      expect(await res.text()).toContain("<title>");
    }
  });
});
