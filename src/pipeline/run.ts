/**
 * The webhook pipeline: cheapest checks first, each stage a call that either refuses the
 * request (a Rejection) or hands on what it learned. `handleWebhook` turns the outcome
 * into the answer and records it once (record.ts).
 */
import type { CompiledRoute } from "../config/compile";
import { findRoute, StoreUnavailable } from "../config/store";
import type { Env } from "../env";
import { HOOKGATE_HOP, HOOKGATE_REQUEST_ID } from "../lib/headers";
import { logReason, rejectionResponse, type Rejection } from "../lib/rejection";
import { authenticate } from "./authenticate";
import { DEDUP_OFF, dedupStage } from "./dedup";
import { deliver } from "./deliver";
import { outbound, type Forwarded, type Outbound } from "./forward";
import { answerSigned, answerUnsigned } from "./handshake";
import { clientIp, recordAuthFailure, shedByClient, shedVerified } from "./rate-limit";
import { record, type Recorded } from "../observability/record";
import { hubFor } from "../durable/listen-hub";
import { shedByShape } from "./shed";

/** What the pipeline decided, with what the record needs. */
type Outcome = { route?: CompiledRoute; body?: Uint8Array } & (
  | { rejection: Rejection }
  | { forwarded: Forwarded; accepted: Accepted }
  | { duplicate: Accepted }
  | { queued: string; accepted: Accepted }
  | { handshake: Response; verifiedBy: readonly string[] }
);

interface Accepted {
  readonly verifiedBy: readonly string[];
  readonly eventId: string | undefined;
  readonly messageId?: string;
  readonly observed?: string;
}

export function isSecure(url: URL, env: Env): boolean {
  return url.protocol === "https:" || env.ALLOW_HTTP === "true";
}

/** What the pipeline has learned so far: if a stage throws, the catch-all records the request with it and releases a dedup claim. */
interface Progress {
  route?: CompiledRoute;
  body?: Uint8Array;
  settle?: (delivered: boolean, now: number) => Promise<void>;
  /** The verified request as the origin gets it: what a listener may forward. */
  out?: Outbound;
}

async function pipeline(request: Request, url: URL, env: Env, ctx: ExecutionContext, requestId: string, now: number, progress: Progress): Promise<Outcome> {
  if (!isSecure(url, env)) return { rejection: { code: "https_required" } };
  if (request.headers.has(HOOKGATE_HOP)) return { rejection: { code: "loop_detected" } };

  const found = await resolveRoute(env, url, now, ctx);
  if ("code" in found) return { rejection: found };
  if (found.kind === "broken") return { rejection: { code: "route_misconfigured", detail: `${found.id}: ${found.problem}` } };
  const route = (progress.route = found);
  const ip = clientIp(request.headers);

  const shed = shedByShape(route, request) ?? shedByClient(route, ip, now);
  if (shed) return { route, rejection: shed };
  const unsigned = await answerUnsigned(route, request, url, now);
  if (unsigned) return { route, handshake: unsigned, verifiedBy: [] };

  const auth = await authenticate(route, request, url, now);
  if ("code" in auth) {
    if (auth.code === "unauthenticated") recordAuthFailure(route, ip, now);
    return { route, rejection: auth };
  }
  if ("testAnswer" in auth) return { route, body: auth.body, handshake: auth.testAnswer, verifiedBy: [] };
  const { body, verifiedBy, eventId } = auth;
  progress.body = body;
  const observed = auth.observed && `${auth.observed.scheme}:${auth.observed.reason}`;

  // Unverified requests (observe mode) neither count against the route's quota nor write dedup keys.
  if (!observed) {
    const limited = await shedVerified(route, env, ip, now);
    if (limited) return { route, body, rejection: limited };
    const signed = await answerSigned(route, verifiedBy, { method: request.method, url, headers: request.headers, body, now });
    if (signed) return { route, body, handshake: signed, verifiedBy };
  }
  const dedup = observed ? DEDUP_OFF : await dedupStage(env, route, { method: request.method, url, headers: request.headers }, body, eventId, now, ctx);
  if ("code" in dedup) return { route, body, rejection: dedup };
  if (dedup.kind === "duplicate") return { route, body, duplicate: { verifiedBy, eventId } };
  progress.settle = dedup.settle;

  const messageId = `msg_${crypto.randomUUID().replace(/-/g, "")}`;
  const out = outbound(route, request, url, body, {
    verifiedBy,
    requestId,
    messageId,
    providerEventId: eventId,
    dedup: dedup.kind === "claimed" ? "first" : "off",
    receivedAt: now,
    ...(observed && { observed }),
  });
  progress.out = observed ? undefined : out;
  const delivery = await deliver(env, route, out, requestId, now, eventId, verifiedBy);
  const done = !("code" in delivery) && (delivery.kind === "queued" || (delivery.forwarded.originStatus >= 200 && delivery.forwarded.originStatus < 300));
  // Settled after the answer is sent: a commit or release need not delay the provider.
  progress.settle = undefined;
  // With dedup off there is nothing to settle, and a waitUntil is not free on the hot path.
  if (dedup.kind !== "off") ctx.waitUntil(dedup.settle(done, Date.now()));
  if ("code" in delivery) return { route, body, rejection: delivery };
  const accepted = { verifiedBy, eventId, messageId, ...(observed && { observed }) };
  if (delivery.kind === "queued") return { route, body, queued: delivery.id, accepted };
  return { route, body, forwarded: delivery.forwarded, accepted };
}

/** The route for this URL; a KV outage is a 503 so the provider retries, and nothing is let through. */
async function resolveRoute(env: Env, url: URL, now: number, ctx: ExecutionContext) {
  try {
    return (await findRoute(env, url.hostname, url.pathname, now, ctx)) ?? { code: "route_not_found" as const };
  } catch (e) {
    if (e instanceof StoreUnavailable) return { code: "store_unavailable" as const, detail: e.message };
    throw e; // a bug, not an outage: the catch-all answers internal_error
  }
}

const jsonResponse = (status: number, body: object, requestId: string, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify({ ...body, requestId }), {
    status,
    headers: { "content-type": "application/json", [HOOKGATE_REQUEST_ID]: requestId, ...headers },
  });

/** The answer to the provider and the line to record, from the outcome. */
function conclude(outcome: Outcome, requestId: string): { response: Response; line: Omit<Recorded, "requestId" | "method" | "path" | "latencyMs"> } {
  const route = outcome.route?.id;
  if ("rejection" in outcome) {
    const response = rejectionResponse(outcome.rejection, requestId);
    return { response, line: { route, decision: "rejected", status: response.status, reason: logReason(outcome.rejection) } };
  }
  if ("handshake" in outcome) {
    const status = outcome.handshake.status;
    return { response: outcome.handshake, line: { route, decision: "handshake", status, verifiedBy: outcome.verifiedBy.join(",") } };
  }
  const a = "duplicate" in outcome ? outcome.duplicate : outcome.accepted;
  const common = {
    route,
    verifiedBy: a.verifiedBy.join(","),
    ...(a.eventId && { eventId: a.eventId }),
    ...(a.messageId && { messageId: a.messageId }),
    ...(a.observed && { observed: a.observed }),
  };
  if ("duplicate" in outcome) {
    // 200 so the provider stops retrying: the origin already has this event.
    return { response: jsonResponse(200, { duplicate: true }, requestId, { "x-hookgate-duplicate": "true" }), line: { ...common, decision: "duplicate", status: 200 } };
  }
  if ("queued" in outcome) {
    return { response: jsonResponse(202, { queued: true, id: outcome.queued }, requestId), line: { ...common, decision: "queued", status: 202 } };
  }
  const status = outcome.forwarded.originStatus;
  return { response: outcome.forwarded.response, line: { ...common, decision: "forwarded", status, originStatus: status } };
}

export async function handleWebhook(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
  const started = Date.now();
  const url = new URL(request.url);
  const requestId = request.headers.get("cf-ray") ?? crypto.randomUUID();
  const progress: Progress = {};
  let outcome: Outcome;
  try {
    outcome = await pipeline(request, url, env, ctx, requestId, started, progress);
  } catch (e) {
    // One catch-all: a short JSON 500 with the request id, the request recorded with the
    // error, and a dedup claim released so that the provider's retry is not refused as in flight.
    if (progress.settle) ctx.waitUntil(progress.settle(false, Date.now()).catch(() => {}));
    const detail = String((e as Error)?.stack ?? e).slice(0, 300);
    outcome = { route: progress.route, body: progress.body, rejection: { code: "internal_error", detail } };
  }
  const { response, line } = conclude(outcome, requestId);
  const recorded = { requestId, method: request.method, path: url.pathname, latencyMs: Date.now() - started, ...line };
  try {
    record(env, ctx, outcome.route, request, outcome.body, recorded);
    if (outcome.route && listening(outcome.route, started)) ctx.waitUntil(tellListeners(env, outcome.route, recorded, progress.out));
  } catch (e) {
    console.log(JSON.stringify({ msg: "record_failed", requestId, error: String((e as Error)?.message ?? e).slice(0, 200) }));
  }
  return response;
}

/** A property read: a route nobody listens to pays nothing more (the hub marks the route while a session is open). */
const listening = (route: CompiledRoute, now: number) => (route.config.state?.listeningUntil ?? 0) > now;

/** The decision to every `hookgate listen` session, with the request when it was verified and delivered or queued. */
async function tellListeners(env: Env, route: CompiledRoute, line: Recorded, out: Outbound | undefined): Promise<void> {
  const forwardable = out && (line.decision === "forwarded" || line.decision === "queued");
  // A listen-mode route's events are already in the hub (kept until taken).
  if (forwardable && route.config.delivery?.mode === "listen") return;
  const { decision, status, reason, eventId, messageId, verifiedBy, method, path, latencyMs } = line;
  const heard = { decision, status, method, path, latencyMs, ...(reason && { reason }), ...(eventId && { eventId }), ...(messageId && { messageId }), ...(verifiedBy && { verifiedBy }) };
  const request = forwardable ? { method: out.method, url: out.url, headers: [...out.headers] as [string, string][], body: out.body } : undefined;
  await hubFor(env, route.id)
    .publish(heard, request)
    .catch((e: unknown) => console.log(JSON.stringify({ msg: "listen_publish_failed", route: route.id, error: String((e as Error)?.message ?? e).slice(0, 200) })));
}
