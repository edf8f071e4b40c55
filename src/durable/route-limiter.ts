/**
 * One instance per route (`limit:<routeId>`): a token bucket shared by every location, for
 * routes that set `rateLimit.perRoute.scope = "global"`. The bucket lives in memory only:
 * an object that restarts starts full, which errs towards letting verified deliveries in.
 * One RPC per verified request: exact, but not free (README "Rate limits").
 */
import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env";
import { take, type Bucket, type BucketLimits } from "../lib/token-bucket";

export class RouteLimiter extends DurableObject<Env> {
  private bucket: Bucket | undefined;

  async take(now: number, limits: BucketLimits): Promise<{ allowed: boolean; retryAfterMs: number }> {
    const result = take(this.bucket, now, limits);
    this.bucket = result.bucket;
    return { allowed: result.allowed, retryAfterMs: result.allowed ? 0 : result.retryAfterMs };
  }
}
