/** Retry policy: which answers are final, the backoff window, Retry-After, and when to give up. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { backoffMs, classify, DEFAULT_POLICY, nextAttemptAt, parseRetryAfter } from "../../../src/delivery/policy";

describe("classify", () => {
  it.each([
    [200, "delivered"],
    [204, "delivered"],
    [301, "retry"],
    [400, "permanent"],
    [401, "permanent"],
    [404, "permanent"],
    [410, "permanent"],
    [422, "permanent"],
    [408, "retry"],
    [409, "retry"],
    [425, "retry"],
    [429, "retry"],
    [500, "retry"],
    [503, "retry"],
    [null, "retry"],
  ] as const)("%s -> %s", (status, outcome) => expect(classify(status)).toBe(outcome));
});

describe("parseRetryAfter", () => {
  const now = Date.parse("2026-11-22T12:00:00Z");
  it.each([
    ["120", 120_000],
    ["0", 0],
    ["Sun, 22 Nov 2026 12:01:00 GMT", 60_000],
    ["Sun, 22 Nov 2026 11:00:00 GMT", 0],
    ["soon", null],
    ["-5", null],
    [null, null],
  ])("%j -> %j", (value, ms) => expect(parseRetryAfter(value, now)).toBe(ms));
});

describe("backoff", () => {
  it("stays within the jitter window, grows with attempts, and honours Retry-After", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.double({ min: 0, max: 1, noNaN: true }), fc.option(fc.integer({ min: 0, max: 10_000_000 }), { nil: null }), (attempt, random, retryAfter) => {
        const p = DEFAULT_POLICY;
        const delay = backoffMs(p, attempt, retryAfter, random);
        const window = Math.min(p.maxBackoffMs, p.initialBackoffMs * 2 ** (attempt - 1));
        expect(delay).toBeGreaterThanOrEqual(Math.max(p.initialBackoffMs / 2, retryAfter ?? 0) - 1);
        expect(delay).toBeLessThanOrEqual(Math.max(window, retryAfter ?? 0) + 1);
      }),
    );
  });

  it("gives up after maxAttempts or maxAge", () => {
    const p = { ...DEFAULT_POLICY, maxAttempts: 3, maxAgeMs: 60_000 };
    expect(nextAttemptAt(p, 0, 2, 1000, null, 0.5)).not.toBeNull();
    expect(nextAttemptAt(p, 0, 3, 1000, null, 0.5)).toBeNull();
    expect(nextAttemptAt(p, 0, 1, 59_000, null, 0.5)).toBeNull(); // the next try would be past maxAge
    expect(nextAttemptAt(p, 0, 1, 0, 120_000, 0.5)).toBeNull(); // Retry-After beyond maxAge
  });
});
