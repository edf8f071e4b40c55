/**
 * What stands in front of the admin API before its token is even compared: the optional
 * host and address allow-list (ADMIN_HOST, ADMIN_ALLOW_CIDRS), and a cool-down for
 * clients that keep presenting wrong tokens.
 *
 * The cool-down is isolate-local, like the webhook path's: an attacker spread over many
 * Cloudflare locations gets this many guesses per isolate, not in all. It turns a fast
 * online guess into a slow one; the token's length (32+ random bytes) is what makes
 * guessing hopeless, and ADMIN_ALLOW_CIDRS or a WAF rule is what keeps strangers out.
 */
import type { Env } from "../env";
import { BoundedMap } from "../lib/bounded-map";
import { anyContains, clientKey, parseCidr, type Cidr } from "../lib/cidr";

/** Wrong tokens tolerated per client (an IPv6 /64 counts as one) within the window... */
export const ADMIN_FAILURES_MAX = 10;
export const ADMIN_FAILURES_WINDOW_MS = 60_000;
/** ...before every token from it is refused for this long, the right one included. */
export const ADMIN_COOLDOWN_MS = 300_000;
/** Clients tracked per isolate before the oldest are forgotten. */
const MAX_TRACKED = 10_000;

interface Failures {
  count: number;
  windowStart: number;
  blockedUntil: number;
}
const failures = new BoundedMap<Failures>(MAX_TRACKED);

/** Forget all cool-downs (tests). */
export function resetAdminGuard(): void {
  failures.clear();
}

const keyOf = (request: Request) => clientKey(request.headers.get("cf-connecting-ip") ?? "unknown");

let parsedCidrs: { readonly text: string; readonly cidrs: readonly Cidr[] | null } | undefined;
/** ADMIN_ALLOW_CIDRS parsed once per value; null when any entry is not a CIDR. */
function allowList(text: string): readonly Cidr[] | null {
  if (parsedCidrs?.text !== text) {
    const parts = text.split(",").map((s) => s.trim()).filter(Boolean);
    const cidrs = parts.map(parseCidr);
    parsedCidrs = { text, cidrs: cidrs.every((c) => c !== null) ? (cidrs as Cidr[]) : null };
  }
  return parsedCidrs.cidrs;
}

const normalHost = (host: string) => host.toLowerCase().replace(/\.$/, "");

export type Gate = { readonly pass: true } | { readonly pass: false; readonly status: number; readonly body: object; readonly headers?: Record<string, string> };
const PASS: Gate = { pass: true };

/**
 * Whether this request may reach the admin API at all. Another host or an address outside
 * the allow-list gets the same 404 as a path nothing serves: the admin API is not
 * advertised to those who may not use it. A malformed allow-list shuts it (fails closed).
 */
export function admitted(request: Request, url: URL, env: Env): Gate {
  if (env.ADMIN_HOST && normalHost(url.hostname) !== normalHost(env.ADMIN_HOST)) return { pass: false, status: 404, body: { error: "not_found" } };
  if (env.ADMIN_ALLOW_CIDRS) {
    const cidrs = allowList(env.ADMIN_ALLOW_CIDRS);
    if (!cidrs) return { pass: false, status: 500, body: { error: "server_misconfigured", message: "ADMIN_ALLOW_CIDRS holds an entry that is not an IP address or CIDR" } };
    if (!anyContains(cidrs, request.headers.get("cf-connecting-ip"))) return { pass: false, status: 404, body: { error: "not_found" } };
  }
  return PASS;
}

/** Refuses a client in its cool-down, before its token is looked at. */
export function coolingDown(request: Request, now: number): Gate {
  const f = failures.get(keyOf(request));
  if (!f || f.blockedUntil <= now) return PASS;
  const retryAfter = String(Math.max(1, Math.ceil((f.blockedUntil - now) / 1000)));
  return { pass: false, status: 429, body: { error: "rate_limited", message: "too many refused admin tokens from this address" }, headers: { "retry-after": retryAfter } };
}

/** Counts a refused token; the ADMIN_FAILURES_MAXth within the window starts the cool-down. */
export function recordRefusedToken(request: Request, now: number): void {
  const key = keyOf(request);
  const prior = failures.get(key);
  const current = prior && now - prior.windowStart < ADMIN_FAILURES_WINDOW_MS ? prior : { count: 0, windowStart: now, blockedUntil: 0 };
  current.count++;
  if (current.count >= ADMIN_FAILURES_MAX) current.blockedUntil = now + ADMIN_COOLDOWN_MS;
  failures.set(key, current);
}
