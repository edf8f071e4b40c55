/** Circuit breaker arithmetic: when it opens, how long it pauses, and that any answer closes it. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { afterAttempt, CLOSED, DEFAULT_BREAKER, isOpen, isProbing, MAX_PAUSE_FACTOR } from "../../../src/delivery/breaker";

const BREAKER_THRESHOLD = DEFAULT_BREAKER.threshold;
const BREAKER_MAX_MS = DEFAULT_BREAKER.pauseMs * MAX_PAUSE_FACTOR;

describe("breaker", () => {
  it("opens at the threshold, pauses 30 s, then doubles per opening", () => {
    let s = CLOSED;
    for (let i = 1; i < BREAKER_THRESHOLD; i++) s = afterAttempt(s, false, 0);
    expect(isOpen(s, 0)).toBe(false);
    s = afterAttempt(s, false, 1000);
    expect(s.openUntil).toBe(31_000);
    expect(isProbing(s, 31_000)).toBe(true);
    s = afterAttempt(s, false, 31_000); // the probe failed
    expect(s.openUntil).toBe(31_000 + 60_000);
    expect(afterAttempt(s, true, 100_000)).toBe(CLOSED);
  });

  it("never pauses longer than the cap, and is closed after any answer below 500", () => {
    fc.assert(
      fc.property(fc.array(fc.boolean(), { maxLength: 200 }), (outcomes) => {
        let s = CLOSED;
        let now = 0;
        for (const reached of outcomes) {
          now += 1000;
          s = afterAttempt(s, reached, now);
          expect(s.openUntil - now).toBeLessThanOrEqual(BREAKER_MAX_MS);
          if (reached) expect(s).toBe(CLOSED);
        }
      }),
    );
  });
});
