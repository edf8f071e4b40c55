/**
 * The webhook pipeline: cheapest checks first, each stage a call that either refuses the
 * request (a Rejection) or hands on what it learned. One log line per request.
 */
import type { CompiledRoute } from "../config/compile";
import { findRoute } from "../config/store";
import type { Env } from "../env";
import { HOOKGATE_HOP } from "../lib/headers";
import { logRequest } from "../lib/log";
import { logReason, rejectionResponse, type Rejection } from "../lib/rejection";
import type { VerifyInput } from "../verify/types";
import { runVerifiers } from "./authenticate";
import { claimDelivery, deliveryKey, type Claim } from "./dedup";
import { forward, type Forwarded } from "./forward";
import { readBody } from "./read-body";
import { shedByShape } from "./shed";

const NO_BODY = new Uint8Array(0);

interface Accepted {
  readonly forwarded: Forwarded;
  readonly verifiedBy: readonly string[];
  readonly eventId: string | undefined;
}

interface Duplicate {
  readonly verifiedBy: readonly string[];
  readonly eventId: string | undefined;
}

type Outcome = { route?: string } & ({ rejection: Rejection } | { accepted: Accepted } | { duplicate: Duplicate });

export function isSecure(url: URL, env: Env): boolean {
  return url.protocol === "https:" || env.ALLOW_HTTP === "true";
}

async function pipeline(request: Request, url: URL, env: Env, ctx: ExecutionContext, requestId: string, now: number): Promise<Outcome> {
  if (!isSecure(url, env)) return { rejection: { code: "https_required" } };
  if (request.headers.has(HOOKGATE_HOP)) return { rejection: { code: "loop_detected" } };

  let route: Awaited<ReturnType<typeof findRoute>>;
  try {
    route = await findRoute(env, url.hostname, url.pathname, now, ctx);
  } catch (e) {
    // KV unreachable: a 5xx makes the provider retry later; nothing is let through.
    return { rejection: { code: "store_unavailable", detail: String((e as Error)?.message ?? e).slice(0, 200) } };
  }
  if (!route) return { rejection: { code: "route_not_found" } };
  if (route.kind === "broken") return { route: route.id, rejection: { code: "route_misconfigured", detail: route.problem } };
  const r = { route: route.id };

  const shed = shedByShape(route, request);
  if (shed) return { ...r, rejection: shed };

  const early = await authenticateWith(route, false, { method: request.method, url, headers: request.headers, body: NO_BODY, now });
  if ("rejection" in early) return { ...r, ...early };

  const body = await readBody(request, route.config.limits.maxBodyBytes);
  if (!(body instanceof Uint8Array)) return { ...r, rejection: body };

  let verifiedBy = early.passed;
  let eventId = early.eventId;
  if (!early.done) {
    const late = await authenticateWith(route, true, { method: request.method, url, headers: request.headers, body, now });
    if ("rejection" in late) return { ...r, ...late };
    verifiedBy = [...verifiedBy, ...late.passed];
    eventId ??= late.eventId;
  }

  let claim: Extract<Claim, { kind: "claimed" }> | undefined;
  const dedup = route.config.dedup;
  if (dedup) {
    const signatureHeaders = route.verifiers.flatMap((v) => v.signatureHeaders ?? []);
    const key = await deliveryKey(dedup, request.headers, body, eventId, signatureHeaders);
    let claimed: Claim;
    try {
      claimed = await claimDelivery(env, route, dedup, key, now);
    } catch (e) {
      return { ...r, rejection: { code: "store_unavailable", detail: `dedup: ${String((e as Error)?.message ?? e).slice(0, 200)}` } };
    }
    if ("code" in claimed) return { ...r, rejection: claimed };
    if (claimed.kind === "duplicate") return { ...r, duplicate: { verifiedBy, eventId } };
    claim = claimed;
  }

  const forwarded = await forward(route, request, url, body, verifiedBy, requestId);
  // Settled after the answer is sent: a commit or release need not delay the provider.
  if (claim) ctx.waitUntil(claim.settle(!("code" in forwarded) && forwarded.originStatus < 300 && forwarded.originStatus >= 200, Date.now()));
  if ("code" in forwarded) return { ...r, rejection: forwarded };
  return { ...r, accepted: { forwarded, verifiedBy, eventId } };
}

type AuthStep = { rejection: Rejection } | { passed: readonly string[]; eventId: string | undefined; done: boolean };

/**
 * One phase of authentication: the body-less verifiers (needsBody false) or the others.
 * "all": any failure refuses. "any": a pass ends authentication; the last phase refuses
 * when nothing passed in either phase.
 */
async function authenticateWith(route: CompiledRoute, needsBody: boolean, input: VerifyInput): Promise<AuthStep> {
  const mode = route.config.auth.mode;
  const verifiers = route.verifiers.filter((v) => v.needsBody === needsBody);
  const challenge = route.verifiers.find((v) => v.challenge)?.challenge;
  const run = await runVerifiers(verifiers, mode, input, challenge);
  const hasLate = route.verifiers.some((v) => v.needsBody);
  if (mode === "all") {
    if (run.failure) return { rejection: run.failure };
    return { passed: run.passed, eventId: run.eventId, done: !hasLate };
  }
  if (run.passed.length > 0) return { passed: run.passed, eventId: run.eventId, done: true };
  if (needsBody || !hasLate) {
    return { rejection: run.failure ?? { code: "unauthenticated", reason: "missing_credentials", scheme: "none", challenge } };
  }
  return { passed: [], eventId: undefined, done: false };
}

export async function handleWebhook(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
  const started = Date.now();
  const url = new URL(request.url);
  const requestId = request.headers.get("cf-ray") ?? crypto.randomUUID();
  const outcome = await pipeline(request, url, env, ctx, requestId, started);
  const base = { requestId, route: outcome.route, method: request.method, path: url.pathname };

  if ("rejection" in outcome) {
    const response = rejectionResponse(outcome.rejection, requestId);
    logRequest({ ...base, decision: "rejected", status: response.status, reason: logReason(outcome.rejection), latencyMs: Date.now() - started });
    return response;
  }
  if ("duplicate" in outcome) {
    const { verifiedBy, eventId } = outcome.duplicate;
    logRequest({ ...base, decision: "duplicate", status: 200, verifiedBy: verifiedBy.join(","), ...(eventId && { eventId }), latencyMs: Date.now() - started });
    // 200 so the provider stops retrying: the origin already has this event.
    return new Response(JSON.stringify({ duplicate: true, requestId }), {
      status: 200,
      headers: { "content-type": "application/json", "x-hookgate-duplicate": "true", "x-hookgate-request-id": requestId },
    });
  }
  const { forwarded, verifiedBy, eventId } = outcome.accepted;
  logRequest({
    ...base,
    decision: "forwarded",
    status: forwarded.originStatus,
    verifiedBy: verifiedBy.join(","),
    ...(eventId && { eventId }),
    originStatus: forwarded.originStatus,
    latencyMs: Date.now() - started,
  });
  return forwarded.response;
}
