/**
 * Review finding: rotating addresses inside one IPv6 /64 bypassed the per-IP limit and the
 * auth-failure cool-down (10 addresses, 10 x 200 past a limit of 3). IPv6 clients are now
 * counted per /64 (configurable).
 */
import { sign as octokitSign } from "@octokit/webhooks-methods";
import { describe, expect, it } from "vitest";
import { clientKey } from "../../src/lib/cidr";
import { BASE, call, mustPutRoute, useOrigin } from "../unit/helpers";

const route = (rateLimit: Record<string, unknown>) => ({
  id: "gh",
  host: "*",
  path: "/gh",
  origin: "http://origin.test",
  auth: { methods: [{ type: "provider", provider: "github", secrets: ["s"] }] },
  rateLimit,
});

async function send(ip: string, forged = false) {
  const body = '{"ok":1}';
  const sig = forged ? `sha256=${"0".repeat(64)}` : await octokitSign("s", body);
  return (await call(`${BASE}/gh`, { method: "POST", headers: { "cf-connecting-ip": ip, "x-hub-signature-256": sig }, body })).status;
}
const inOne64 = (i: number) => `2001:db8:1:2:${i.toString(16)}:${(i * 7).toString(16)}::${i + 1}`;

describe("IPv6 clients are counted per network", () => {
  useOrigin();

  it("10 addresses in one /64 share one per-IP bucket of 3", async () => {
    await mustPutRoute(route({ perIp: { requests: 3, periodSeconds: 60 } }));
    const statuses = [];
    for (let i = 0; i < 10; i++) statuses.push(await send(inOne64(i)));
    expect(statuses).toEqual([200, 200, 200, ...Array(7).fill(429)]);
    // another /64 has its own bucket
    expect(await send("2001:db8:1:3::1")).toBe(200);
  });

  it("failures from rotating addresses in one /64 start the cool-down for the whole /64", async () => {
    await mustPutRoute(route({ authFailures: { max: 3, periodSeconds: 60, cooldownSeconds: 300 } }));
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push(await send(inOne64(i), true));
    statuses.push(await send(inOne64(50))); // genuine, but from the cooled-down network
    expect(statuses).toEqual([401, 401, 401, 429]);
    expect(await send("2001:db8:ffff::1")).toBe(200);
  });

  it("ipv6PrefixLength 128 counts each address on its own; IPv4 is always per address", async () => {
    await mustPutRoute(route({ perIp: { requests: 1, periodSeconds: 60 }, ipv6PrefixLength: 128 }));
    expect([await send(inOne64(0)), await send(inOne64(1)), await send(inOne64(0))]).toEqual([200, 200, 429]);
    expect([await send("192.0.2.1"), await send("192.0.2.2"), await send("192.0.2.1")]).toEqual([200, 200, 429]);
  });

  it("spellings of one address and IPv4-mapped IPv6 share a key", () => {
    expect(clientKey("2001:db8::1")).toBe(clientKey("2001:0DB8:0:0:ffff::2"));
    expect(clientKey("::ffff:192.0.2.1")).toBe(clientKey("192.0.2.1"));
    expect(clientKey("2001:db8::1")).not.toBe(clientKey("2001:db8:0:1::1"));
    expect(clientKey("not an ip")).toBe("not an ip");
  });
});
