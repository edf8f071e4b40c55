/**
 * The webhook pipeline: cheapest checks first. Each stage reads and adds to one request
 * context, and either ends the request by returning its outcome or hands on by returning
 * nothing (itty-router's rule). `handleWebhook` turns the outcome into the answer and
 * records it once (observability/record.ts).
 */
import type { CompiledRoute } from "../config/compile";
import { findRoute, StoreUnavailable } from "../config/store";
import type { Env } from "../env";
import { HOOKGATE_HOP, HOOKGATE_REQUEST_ID } from "../lib/headers";
import { logReason, rejectionResponse, type Rejection } from "../lib/rejection";
import { authenticate } from "./authenticate";
import { deliveryKeys } from "./dedup";
import { settleTargets, type Accepted, type Outcome, type RequestContext, type Target } from "./context";
import { claimEach, fanOut, selectDestinations } from "./destinations";
import { deliver } from "./deliver";
import { outbound, type Outbound } from "./forward";
import { answerSigned, answerUnsigned } from "./handshake";
import { captureSecret } from "./capture";
import { clientIp, holdRefusal, recordAuthFailure, shedByClient, shedVerified, underAttack } from "./rate-limit";
import { record, type Recorded } from "../observability/record";
import { hubFor } from "../durable/listen-hub";
import { shedByShape } from "./shed";

type Routed = RequestContext & { route: CompiledRoute };
type Verified = Routed & { body: Uint8Array; accepted: Accepted };
/** A stage ends the request with an outcome, or returns nothing to hand on. */
type Stage<C> = (c: C) => Outcome | undefined | Promise<Outcome | undefined>;

const refuse = (rejection: Rejection): Outcome => ({ rejection });

export function isSecure(url: URL, env: Env): boolean {
  return url.protocol === "https:" || env.ALLOW_HTTP === "true";
}

const transport = (c: RequestContext): Outcome | undefined => {
  if (!isSecure(c.url, c.env)) return refuse({ code: "https_required" });
  if (c.request.headers.has(HOOKGATE_HOP)) return refuse({ code: "loop_detected" });
};

/** The route for this URL; a KV outage is a 503 so the provider retries, and nothing is let through. */
const routing: Stage<RequestContext> = async (c) => {
  try {
    const found = await findRoute(c.env, c.url.hostname, c.url.pathname, c.now, c.exec);
    if (!found) return refuse({ code: "route_not_found" });
    if (found.kind === "broken") return refuse({ code: "route_misconfigured", detail: `${found.id}: ${found.problem}` });
    c.route = found;
  } catch (e) {
    if (e instanceof StoreUnavailable) return refuse({ code: "store_unavailable", detail: e.message });
    throw e; // a bug, not an outage: the catch-all answers internal_error
  }
};

const shedding: Stage<Routed> = (c) => {
  const shed = shedByShape(c.route, c.request) ?? shedByClient(c.route, clientIp(c.request.headers), c.now);
  if (shed) return refuse(shed);
};

const unsignedHandshake: Stage<Routed> = async (c) => {
  const answer = await answerUnsigned(c.route, c.request, c.url, c.now);
  if (answer) return { handshake: answer };
};

const authentication: Stage<Routed> = async (c) => {
  const auth = await authenticate(c.route, c.request, c.url, c.now);
  if ("code" in auth) {
    if (auth.code === "unauthenticated") recordAuthFailure(c.route, clientIp(c.request.headers), c.now);
    return refuse(auth);
  }
  if ("capture" in auth) {
    // Its body may be the secret: not kept in c.body. A refused one counts as an auth failure, so a
    // stranger repeating handshakes meets the per-client cool-down before each one asks the registry.
    const captured = await captureSecret(c, auth);
    if ("rejection" in captured) recordAuthFailure(c.route, clientIp(c.request.headers), c.now);
    return captured;
  }
  c.body = auth.body;
  if ("testAnswer" in auth) return { handshake: auth.testAnswer };
  const observed = auth.observed && `${auth.observed.scheme}:${auth.observed.reason}`;
  const messageId = `msg_${crypto.randomUUID().replace(/-/g, "")}`;
  c.accepted = { verifiedBy: auth.verifiedBy, eventId: auth.eventId, messageId, ...(observed && { observed }) };
};

/** Unverified requests (observe mode) neither count against the route's quota nor get a signed handshake answered. */
const verifiedChecks: Stage<Verified> = async (c) => {
  if (c.accepted.observed) return;
  const limited = await shedVerified(c.route, c.env, clientIp(c.request.headers), c.now);
  if (limited) return refuse(limited);
  const { method, headers } = c.request;
  const signed = await answerSigned(c.route, c.accepted.verifiedBy, { method, url: c.url, headers, body: c.body, now: c.now });
  if (signed) return { handshake: signed };
};

/** Which destinations take the event (filters); none: received and recorded as filtered. */
const selection: Stage<Verified> = (c) => {
  if (!c.route.fanOut) {
    c.targets = [{ destination: c.route.destinations[0]! }];
    return;
  }
  const { targets, skipped } = selectDestinations(c.route, c.request.headers, c.url, c.body);
  c.targets = targets.map((destination) => ({ destination }));
  c.skipped = skipped.map((s) => `${s.id}=filtered`);
  if (targets.length === 0) return { filtered: skipped.map((s) => `${s.id}: ${s.failed}`).join("; "), destinations: c.skipped.join(",") };
};

/** Each destination gets the event once: unverified requests (observe mode) write no dedup keys. */
const dedup: Stage<Verified & { targets: Target[] }> = async (c) => {
  const settings = c.route.config.dedup;
  if (!settings || c.accepted.observed) return;
  const keys = await deliveryKeys(settings, { method: c.request.method, url: c.url, headers: c.request.headers }, c.body, c.accepted.eventId, c.route);
  const claimed = await claimEach(c.env, c.route, settings, keys, c.targets, c.now, c.exec);
  if ("code" in claimed) return refuse(claimed);
  c.targets = claimed.targets;
  c.skipped = [...(c.skipped ?? []), ...claimed.duplicates.map((id) => `${id}=duplicate`)];
  if (claimed.targets.length === 0) return { duplicate: true, ...(c.route.fanOut && { destinations: c.skipped.join(",") }) };
};

const delivery: Stage<Verified & { targets: Target[] }> = async (c) => {
  const { route, accepted } = c;
  const out = outbound(route, c.request, c.url, c.body, {
    verifiedBy: accepted.verifiedBy,
    requestId: c.requestId,
    messageId: accepted.messageId,
    providerEventId: accepted.eventId,
    dedup: route.config.dedup && !accepted.observed ? "first" : "off",
    receivedAt: c.now,
    ...(accepted.observed && { observed: accepted.observed }),
  });
  if (!accepted.observed) c.out = out;
  if (route.fanOut) return fanOut(c, out);
  const [target] = c.targets;
  const delivered = await deliver(c.env, route, target!.destination, out, c.requestId, c.now, accepted.eventId, accepted.verifiedBy);
  // Settled after the answer is sent: a commit or release need not delay the provider.
  settleTargets(c, (d) => (d === target!.destination ? delivered : undefined));
  if ("code" in delivered) return refuse(delivered);
  return delivered.kind === "queued" ? { queued: delivered.id } : { forwarded: delivered.forwarded };
};

/**
 * In order. Each stage's context type says what the stages before it have filled in (a route,
 * a verified body, targets); running them in this order is what makes the cast below true.
 */
const STAGES: readonly Stage<never>[] = [shedding, unsignedHandshake, authentication, verifiedChecks, selection, dedup, delivery];

async function pipeline(c: RequestContext): Promise<Outcome> {
  const early = transport(c) ?? (await routing(c));
  if (early) return early;
  for (const stage of STAGES) {
    const outcome = await (stage as Stage<RequestContext>)(c);
    if (outcome) return outcome;
  }
  throw new Error("the delivery stage always ends the request");
}

const jsonResponse = (status: number, body: object, requestId: string, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify({ ...body, requestId }), {
    status,
    headers: { "content-type": "application/json", [HOOKGATE_REQUEST_ID]: requestId, ...headers },
  });

/** The answer to the provider and the line to record, from the outcome. */
function conclude(outcome: Outcome, c: RequestContext): { response: Response; line: Omit<Recorded, "requestId" | "method" | "path" | "latencyMs"> } {
  const route = c.route?.id;
  const via = outcome.destinations ? { destinations: outcome.destinations } : {};
  if ("rejection" in outcome) {
    const response = rejectionResponse(outcome.rejection, c.requestId);
    return { response, line: { route, decision: "rejected", status: response.status, reason: logReason(outcome.rejection), ...via } };
  }
  if ("handshake" in outcome) {
    const status = outcome.handshake.status;
    return { response: outcome.handshake, line: { route, decision: "handshake", status, verifiedBy: (c.accepted?.verifiedBy ?? []).join(",") } };
  }
  const a = c.accepted!;
  const common = {
    route,
    verifiedBy: a.verifiedBy.join(","),
    ...(a.eventId && { eventId: a.eventId }),
    messageId: a.messageId,
    ...(a.observed && { observed: a.observed }),
    ...via,
  };
  if ("duplicate" in outcome) {
    // 200 so the provider stops retrying: the origin already has this event (under the first copy's message id).
    const { messageId: _unused, ...line } = common;
    return { response: jsonResponse(200, { duplicate: true }, c.requestId, { "x-hookgate-duplicate": "true" }), line: { ...line, decision: "duplicate", status: 200 } };
  }
  if ("filtered" in outcome) {
    // 200: the event was received; no destination wants it (it stays in the event log, replayable where bodies are kept).
    return { response: jsonResponse(200, { filtered: true }, c.requestId), line: { ...common, decision: "filtered", status: 200, reason: `filtered: ${outcome.filtered}` } };
  }
  if ("queued" in outcome) {
    return { response: jsonResponse(202, { queued: true, id: outcome.queued }, c.requestId), line: { ...common, decision: "queued", status: 202 } };
  }
  const status = outcome.forwarded.originStatus;
  return { response: outcome.forwarded.response, line: { ...common, decision: "forwarded", status, originStatus: status } };
}

export async function handleWebhook(request: Request, env: Env, exec: ExecutionContext): Promise<Response> {
  const started = Date.now();
  const url = new URL(request.url);
  const c: RequestContext = { request, url, env, exec, requestId: request.headers.get("cf-ray") ?? crypto.randomUUID(), now: started };
  let outcome: Outcome;
  try {
    outcome = await pipeline(c);
  } catch (e) {
    // One catch-all: a short JSON 500 with the request id, the request recorded with the
    // error, and dedup claims released so that the provider's retry is not refused as in flight.
    try {
      settleTargets(c, () => undefined);
    } catch {
      // the release is best effort; claims expire by lease
    }
    const detail = String((e as Error)?.stack ?? e).slice(0, 300);
    outcome = { rejection: { code: "internal_error", detail } };
  }
  const { response, line } = conclude(outcome, c);
  const recorded = { requestId: c.requestId, method: request.method, path: url.pathname, latencyMs: Date.now() - started, ...line };
  const unauthenticated = "rejection" in outcome && outcome.rejection.code === "unauthenticated";
  const flood = unauthenticated && c.route?.floodGuard && underAttack(c.route, started) ? c.route.floodGuard : undefined;
  try {
    record(env, exec, c.route, request, c.body, recorded, flood?.keptPerSecond);
    if (c.route && listening(c.route, started)) exec.waitUntil(tellListeners(env, c.route, recorded, c.out));
  } catch (e) {
    console.log(JSON.stringify({ msg: "record_failed", requestId: c.requestId, error: String((e as Error)?.message ?? e).slice(0, 200) }));
  }
  // Under a flood, a refusal waits before it is answered: a timer, no CPU (pipeline/rate-limit.ts).
  if (flood) await holdRefusal(c.route!, started);
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
