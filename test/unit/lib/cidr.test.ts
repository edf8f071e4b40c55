/** CIDR matching, IPv4 and IPv6: fixed cases plus properties against an independent reference. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { anyContains, parseCidr, parseIp } from "../../../src/lib/cidr";

const v4 = (a: number) => [a >>> 24, (a >>> 16) & 255, (a >>> 8) & 255, a & 255].join(".");

describe("cidr", () => {
  it.each([
    ["192.30.252.0/22", "192.30.255.255", true],
    ["192.30.252.0/22", "192.31.0.0", false],
    ["10.0.0.1", "10.0.0.1", true],
    ["0.0.0.0/0", "203.0.113.7", true],
    ["2a0a:a440::/29", "2a0a:a447:ffff::1", true],
    ["2a0a:a440::/29", "2a0a:a448::1", false],
    ["::1/128", "::1", true],
    ["192.0.2.0/24", "::ffff:192.0.2.9", true],
    ["2001:db8::/32", "192.0.2.1", false],
    ["192.0.2.0/24", "not-an-ip", false],
  ])("%s contains %s: %s", (cidr, ip, expected) => {
    expect(anyContains([parseCidr(cidr)!], ip)).toBe(expected);
  });

  it.each(["", "1.2.3", "1.2.3.4.5", "256.0.0.0", "01.2.3.4", "1.2.3.4/33", "::/129", "1::2::3", "g::1", "1.2.3.4/", "/8", "1:2:3:4:5:6:7:8:9"])(
    "refuses %j",
    (text) => expect(parseCidr(text)).toBeNull(),
  );

  it("IPv4: matches exactly when the top `prefix` bits agree (reference: integer arithmetic)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.integer({ min: 0, max: 32 }), (net, ip, prefix) => {
        const expected = prefix === 0 || net >>> (32 - prefix) === ip >>> (32 - prefix);
        expect(anyContains([parseCidr(`${v4(net)}/${prefix}`)!], v4(ip))).toBe(expected);
      }),
      { numRuns: 2000 },
    );
  });

  it("IPv6: an address is inside every prefix of itself, and the full and compressed forms agree", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: 8, maxLength: 8 }), fc.integer({ min: 0, max: 128 }), (groups, prefix) => {
        const full = groups.map((g) => g.toString(16)).join(":");
        const ip = parseIp(full)!;
        expect(ip).not.toBeNull();
        // IPv4-mapped addresses are treated as IPv4 by design; skip them here.
        fc.pre(ip.v6);
        expect(anyContains([parseCidr(`${full}/${prefix}`)!], full)).toBe(true);
        const zeroRun = full.replace(/(^|:)0(:0)+(:|$)/, "::");
        expect(parseIp(zeroRun)?.value).toBe(ip.value);
      }),
      { numRuns: 2000 },
    );
  });

  it("never throws on arbitrary text", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (s) => {
        parseCidr(s);
        parseIp(s);
      }),
    );
  });
});
