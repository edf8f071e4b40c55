/**
 * Shedding floods cheaply. Tier 1 runs before the body is read: the IP allow-list, the
 * cool-down of IPs that keep failing authentication, and a per-IP bucket. Tier 2 runs
 * after verification and counts only verified requests, so forged traffic can never use
 * up a genuine provider's quota.
 *
 * Buckets are isolate-local by default: free, but each isolate counts on its own, so the
 * effective limit is per isolate (a location runs several). `perRoute.scope = "global"`
 * moves the route bucket into a Durable Object (exact, one RPC per verified request).
 * Volumetric floods belong to Cloudflare's WAF rate-limiting rules in front (README).
 */
import type { CompiledRoute } from "../config/compile";
import type { Env } from "../env";
import { BoundedMap } from "../lib/bounded-map";
import { anyContains, clientKey } from "../lib/cidr";
import type { Rejection } from "../lib/rejection";
import { limitsOf, take, type Bucket } from "../lib/token-bucket";
import { objectId } from "../lib/object-ids";

/** Keys tracked per isolate before the oldest are dropped: bounds memory under a flood of IPs. */
export const MAX_TRACKED_KEYS = 10_000;

interface Failures {
  count: number;
  windowStart: number;
  blockedUntil: number;
}

const ipBuckets = new BoundedMap<Bucket>(MAX_TRACKED_KEYS);
const routeBuckets = new BoundedMap<Bucket>(MAX_TRACKED_KEYS);
const authFailures = new BoundedMap<Failures>(MAX_TRACKED_KEYS);

/** Forget all isolate-local counters (tests). */
export function resetRateLimits(): void {
  ipBuckets.clear();
  routeBuckets.clear();
  authFailures.clear();
  attacks.clear();
}

/** How many keys each isolate-local map holds right now (read-only; tests check the flood bound). */
export function trackedKeyCounts(): { readonly ip: number; readonly route: number; readonly authFailures: number } {
  return { ip: ipBuckets.size, route: routeBuckets.size, authFailures: authFailures.size };
}

export const clientIp = (headers: Headers): string => headers.get("cf-connecting-ip") ?? "unknown";

const limited = (scope: "ip" | "route" | "auth_failures", retryAfterMs: number): Rejection => ({
  code: "rate_limited",
  scope,
  retryAfterSeconds: Math.max(1, Math.ceil(retryAfterMs / 1000)),
});

/** Tier 1, before the body: allow-list, auth-failure cool-down, per-IP bucket. */
export function shedByClient(route: CompiledRoute, ip: string, now: number): Rejection | null {
  if (route.allowCidrs && !anyContains(route.allowCidrs, ip)) return { code: "ip_not_allowed" };
  const rl = route.config.rateLimit;
  if (!rl) return null;
  const key = `${route.id}|${clientKey(ip, rl.ipv6PrefixLength)}`;
  const failures = authFailures.get(key);
  if (failures && failures.blockedUntil > now) return limited("auth_failures", failures.blockedUntil - now);
  if (rl.perIp && !anyContains(route.exemptCidrs, ip)) {
    const result = take(ipBuckets.get(key), now, limitsOf(rl.perIp.requests, rl.perIp.periodSeconds, rl.perIp.burst));
    ipBuckets.set(key, result.bucket);
    if (!result.allowed) return limited("ip", result.retryAfterMs);
  }
  return null;
}

/** Counts a failed authentication; enough of them within the period start a cool-down. */
export function recordAuthFailure(route: CompiledRoute, ip: string, now: number): void {
  noteFailure(route, now);
  const policy = route.config.rateLimit?.authFailures;
  if (!policy) return;
  const key = `${route.id}|${clientKey(ip, route.config.rateLimit!.ipv6PrefixLength)}`;
  const periodMs = policy.periodSeconds * 1000;
  const prior = authFailures.get(key);
  const current = prior && now - prior.windowStart < periodMs ? prior : { count: 0, windowStart: now, blockedUntil: 0 };
  current.count++;
  if (current.count >= policy.max) current.blockedUntil = now + policy.cooldownSeconds * 1000;
  authFailures.set(key, current);
}

/**
 * Flood guard, per route and isolate: when failed authentications reach the route's
 * `failuresPerSecond`, the route is under attack until ATTACK_LINGER_MS after the last such
 * second. Meanwhile each refusal is held `delayMs` before it is answered (a timer, no CPU),
 * so a flood from a fixed set of connections slows to that pace instead of crowding out the
 * genuine provider; at most MAX_HELD answers wait at once, the rest go at once. The event log
 * keeps a sample of the refusals (observability/record.ts); log lines and metrics count all.
 */
const ATTACK_LINGER_MS = 10_000;
export const MAX_HELD = 1000;

interface Attack {
  second: number;
  failures: number;
  until: number;
}
const attacks = new BoundedMap<Attack>(MAX_TRACKED_KEYS);
let held = 0;

function noteFailure(route: CompiledRoute, now: number): void {
  const guard = route.floodGuard;
  if (!guard) return;
  const second = Math.floor(now / 1000);
  const a = attacks.get(route.id) ?? { second, failures: 0, until: 0 };
  if (a.second !== second) {
    a.second = second;
    a.failures = 0;
  }
  if (++a.failures >= guard.failuresPerSecond) a.until = now + ATTACK_LINGER_MS;
  attacks.set(route.id, a);
}

export const underAttack = (route: CompiledRoute, now: number): boolean => (attacks.get(route.id)?.until ?? 0) > now;

/** Holds a refusal's answer while the route is under attack (bounded: beyond MAX_HELD waiting, it goes at once). */
export async function holdRefusal(route: CompiledRoute, now: number): Promise<void> {
  const guard = route.floodGuard;
  if (!guard || guard.delayMs === 0 || !underAttack(route, now) || held >= MAX_HELD) return;
  held++;
  try {
    await new Promise((resolve) => setTimeout(resolve, guard.delayMs));
  } finally {
    held--;
  }
}

/** Tier 2, after verification: the route's bucket, counting verified requests only. */
export async function shedVerified(route: CompiledRoute, env: Env, ip: string, now: number): Promise<Rejection | null> {
  const perRoute = route.config.rateLimit?.perRoute;
  if (!perRoute || anyContains(route.exemptCidrs, ip)) return null;
  const limits = limitsOf(perRoute.requests, perRoute.periodSeconds, perRoute.burst);
  if (perRoute.scope === "global") {
    const stub = env.ROUTE_LIMITER.get(objectId(env.ROUTE_LIMITER, `limit:${route.id}`));
    const result = await stub.take(now, limits);
    return result.allowed ? null : limited("route", result.retryAfterMs);
  }
  const result = take(routeBuckets.get(route.id), now, limits);
  routeBuckets.set(route.id, result.bucket);
  return result.allowed ? null : limited("route", result.retryAfterMs);
}
