/**
 * The webhook pipeline: cheapest checks first, each stage a call that either refuses the
 * request (a Rejection) or hands on what it learned. One log line per request.
 */
import { findRoute } from "../config/store";
import type { Env } from "../env";
import { HOOKGATE_HOP } from "../lib/headers";
import { logRequest } from "../lib/log";
import { logReason, rejectionResponse, type Rejection } from "../lib/rejection";
import { authenticate } from "./authenticate";
import { dedupStage } from "./dedup";
import { deliver } from "./deliver";
import { outbound, type Forwarded } from "./forward";
import { clientIp, recordAuthFailure, shedByClient, shedVerified } from "./rate-limit";
import { shedByShape } from "./shed";

interface Accepted {
  readonly forwarded: Forwarded;
  readonly verifiedBy: readonly string[];
  readonly eventId: string | undefined;
}

interface Duplicate {
  readonly verifiedBy: readonly string[];
  readonly eventId: string | undefined;
}

interface Queued extends Duplicate {
  readonly id: string;
}

type Outcome = { route?: string } & ({ rejection: Rejection } | { accepted: Accepted } | { duplicate: Duplicate } | { queued: Queued });

export function isSecure(url: URL, env: Env): boolean {
  return url.protocol === "https:" || env.ALLOW_HTTP === "true";
}

async function pipeline(request: Request, url: URL, env: Env, ctx: ExecutionContext, requestId: string, now: number): Promise<Outcome> {
  if (!isSecure(url, env)) return { rejection: { code: "https_required" } };
  if (request.headers.has(HOOKGATE_HOP)) return { rejection: { code: "loop_detected" } };

  const route = await resolveRoute(env, url, now, ctx);
  if ("code" in route) return { rejection: route };
  if (route.kind === "broken") return { route: route.id, rejection: { code: "route_misconfigured", detail: route.problem } };
  const r = { route: route.id };
  const ip = clientIp(request.headers);

  const shed = shedByShape(route, request) ?? shedByClient(route, ip, now);
  if (shed) return { ...r, rejection: shed };

  const auth = await authenticate(route, request, url, now);
  if ("code" in auth) {
    if (auth.code === "unauthenticated") recordAuthFailure(route, ip, now);
    return { ...r, rejection: auth };
  }
  const { body, verifiedBy, eventId } = auth;

  const limited = await shedVerified(route, env, ip, now);
  if (limited) return { ...r, rejection: limited };

  const dedup = await dedupStage(env, route, request.headers, body, eventId, now);
  if ("code" in dedup) return { ...r, rejection: dedup };
  if (dedup.kind === "duplicate") return { ...r, duplicate: { verifiedBy, eventId } };

  const out = outbound(route, request, url, body, {
    verifiedBy,
    requestId,
    messageId: `msg_${crypto.randomUUID().replace(/-/g, "")}`,
    providerEventId: eventId,
    dedup: dedup.kind === "claimed" ? "first" : "off",
    receivedAt: now,
  });
  const delivery = await deliver(env, route, out, requestId, now, eventId);
  const done = !("code" in delivery) && (delivery.kind === "queued" || (delivery.forwarded.originStatus >= 200 && delivery.forwarded.originStatus < 300));
  // Settled after the answer is sent: a commit or release need not delay the provider.
  ctx.waitUntil(dedup.settle(done, Date.now()));
  if ("code" in delivery) return { ...r, rejection: delivery };
  if (delivery.kind === "queued") return { ...r, queued: { id: delivery.id, verifiedBy, eventId } };
  return { ...r, accepted: { forwarded: delivery.forwarded, verifiedBy, eventId } };
}

/** The route for this URL; a KV outage is a 503 so the provider retries, and nothing is let through. */
async function resolveRoute(env: Env, url: URL, now: number, ctx: ExecutionContext) {
  try {
    return (await findRoute(env, url.hostname, url.pathname, now, ctx)) ?? { code: "route_not_found" as const };
  } catch (e) {
    return { code: "store_unavailable" as const, detail: String((e as Error)?.message ?? e).slice(0, 200) };
  }
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
  if ("queued" in outcome) {
    const { id, verifiedBy, eventId } = outcome.queued;
    logRequest({ ...base, decision: "queued", status: 202, verifiedBy: verifiedBy.join(","), ...(eventId && { eventId }), latencyMs: Date.now() - started });
    return new Response(JSON.stringify({ queued: true, id, requestId }), {
      status: 202,
      headers: { "content-type": "application/json", "x-hookgate-request-id": requestId },
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
