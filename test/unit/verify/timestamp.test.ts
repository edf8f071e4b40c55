/**
 * Timestamps from untrusted headers: Unix seconds and milliseconds, and ISO 8601 (Orb sends
 * it without a zone, meaning UTC; Twitch with nanoseconds). Property tests: any input never
 * throws; every date-time the parser accepts is the instant JavaScript's own UTC arithmetic
 * gives for it; anything that is not a real date-time is refused.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseTimestampMs } from "../../../src/verify/timestamp";

const pad = (n: number, w = 2) => String(n).padStart(w, "0");

describe("ISO 8601 timestamps", () => {
  it("any string: a number or null, never an exception", () => {
    fc.assert(fc.property(fc.string({ maxLength: 80 }), (s) => {
      const r = parseTimestampMs(s, "iso");
      expect(r === null || Number.isFinite(r)).toBe(true);
    }), { numRuns: 2000 });
  });

  it("a generated date-time with any fraction and zone is read as the instant it names", () => {
    const zone = fc.oneof(fc.constant(""), fc.constant("Z"), fc.record({ sign: fc.constantFrom("+", "-"), h: fc.integer({ min: 0, max: 14 }), m: fc.constantFrom(0, 30, 45) }));
    fc.assert(
      fc.property(fc.date({ min: new Date("1971-01-01T00:00:00Z"), max: new Date("2099-12-31T23:59:59Z"), noInvalidDate: true }), fc.integer({ min: 0, max: 9 }), zone, (d, digits, z) => {
        const fraction = digits === 0 ? "" : `.${pad(d.getUTCMilliseconds(), 3).padEnd(digits, "7").slice(0, digits)}`;
        const text = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}${fraction}`;
        const offsetMs = typeof z === "string" ? 0 : (z.sign === "+" ? 1 : -1) * (z.h * 60 + z.m) * 60_000;
        const suffix = typeof z === "string" ? z : `${z.sign}${pad(z.h)}:${pad(z.m)}`;
        const wallMs = Math.floor(d.getTime() / 1000) * 1000 + Number((fraction.slice(1) || "0").padEnd(3, "0").slice(0, 3));
        expect(parseTimestampMs(text + suffix, "iso")).toBe(wallMs - offsetMs);
      }),
      { numRuns: 1000 },
    );
  });

  it("Orb's and Twitch's forms; dates that do not exist, out-of-range fields and other shapes are refused", () => {
    expect(parseTimestampMs("2024-03-27T15:42:29.551", "iso")).toBe(Date.UTC(2024, 2, 27, 15, 42, 29, 551));
    expect(parseTimestampMs("2023-10-06T17:35:12.123456789Z", "iso")).toBe(Date.UTC(2023, 9, 6, 17, 35, 12, 123));
    expect(parseTimestampMs("2024-01-01T00:00:00+01:00", "iso")).toBe(Date.UTC(2023, 11, 31, 23, 0, 0));
    for (const bad of ["2026-02-30T00:00:00Z", "2026-13-01T00:00:00Z", "2026-01-01T24:00:00Z", "2026-01-01T00:60:00Z", "2026-01-01T00:00:60Z",
      "2026-01-01 00:00:00Z", "2026-01-01T00:00:00.Z", "2026-01-01T00:00:00.1234567890Z", "2026-01-01T00:00:00+0100", "2026-01-01T00:00:00+24:00",
      " 2026-01-01T00:00:00Z", "1780000000", "", "2026-01-01"]) {
      expect(parseTimestampMs(bad, "iso"), bad).toBeNull();
    }
  });

  it("seconds and milliseconds stay digits only", () => {
    expect(parseTimestampMs("1780000000", "s")).toBe(1_780_000_000_000);
    expect(parseTimestampMs("1780000000123", "ms")).toBe(1_780_000_000_123);
    for (const bad of ["1e9", "0x10", " 12", "12.5", "2024-03-27T15:42:29Z"]) expect(parseTimestampMs(bad, "s")).toBeNull();
  });
});
