/** Token-bucket arithmetic: never more than burst + rate x time, and a refused request is told exactly when to come back. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { limitsOf, take, type Bucket } from "../../../src/lib/token-bucket";

describe("token bucket", () => {
  it("allows the burst at once, then refuses with the time until the next token", () => {
    const limits = limitsOf(60, 60, 3); // 1 per second, burst 3
    let bucket: Bucket | undefined;
    const results = [];
    for (let i = 0; i < 4; i++) {
      const r = take(bucket, 1000, limits);
      bucket = r.bucket;
      results.push(r.allowed ? "ok" : r.retryAfterMs);
    }
    expect(results).toEqual(["ok", "ok", "ok", 1000]);
    expect(take(bucket, 2000, limits).allowed).toBe(true);
  });

  it("over any run of requests, allows at most capacity + rate x elapsed", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 100 }),
        fc.integer({ min: 1, max: 120 }),
        fc.option(fc.integer({ min: 1, max: 50 }), { nil: undefined }),
        fc.array(fc.integer({ min: 0, max: 5000 }), { minLength: 1, maxLength: 300 }),
        (requests, periodSeconds, burst, gaps) => {
          const limits = limitsOf(requests, periodSeconds, burst);
          let bucket: Bucket | undefined;
          let now = 0;
          let allowed = 0;
          for (const gap of gaps) {
            now += gap;
            const r = take(bucket, now, limits);
            bucket = r.bucket;
            if (r.allowed) allowed++;
            else expect(take(r.bucket, now + r.retryAfterMs, limits).allowed).toBe(true);
          }
          expect(allowed).toBeLessThanOrEqual(Math.floor(limits.capacity + limits.ratePerMs * now + 1e-9));
        },
      ),
      { numRuns: 500 },
    );
  });

  it("a clock stepping backwards does not refill", () => {
    const limits = limitsOf(1, 60, 1);
    const first = take(undefined, 10_000, limits);
    expect(take(first.bucket, 5_000, limits).allowed).toBe(false);
  });
});
