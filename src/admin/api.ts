/**
 * The admin API: create/replace, read, list and delete routes, behind a bearer token.
 * Secrets go in through PUT and never come out.
 */
import { Router, type IRequest } from "itty-router";
import { parseRouteConfig, primaryIndex } from "../config/parse";
import { armCapture, clearRouteCache, deleteRoute, findRoute, getRoute, listStoredRoutes, putRoute, readStoredRoute, secretKeys, setRouteState, UnusableRoute } from "../config/store";
import { openSecret } from "../config/secret-box";
import type { StoredRoute } from "../config/schema";
import * as v from "valibot";
import type { Env } from "../env";
import { matchesAnyDigest, sha256 } from "../lib/constant-time";
import type { EventState } from "../durable/delivery-queue";
import { shardFor } from "../pipeline/dedup";
import { mediaType } from "../lib/headers";
import { hasQueue, queueFor, queuesOf } from "../durable/delivery-queue";
import { eventLogFor } from "../durable/event-log";
import { hubFor, isSeq } from "../durable/listen-hub";
import { base64ToBytes, bytesToBase64 } from "../lib/encoding";
import { explain, replayArchived, replayLogged } from "../pipeline/destinations";
import { dashboardResponse } from "./dashboard";
import { coolingDown, recordRefusedToken, type Gate } from "./guard";
import { captureMethodIndex, presets } from "../verify/presets";
import family from "../verify/presets/standard-family.json";
import { doctor } from "./doctor";
import { overview } from "./overview";
import { maskAllHeaders, maskHeaders } from "../observability/mask";
import { redactRoute } from "./redact";

/** The shard holding `key` for a route with dedup on, or null. */
async function dedupShard(env: Env, routeId: string, key: string) {
  const route = await readStoredRoute(env, routeId);
  return route?.dedup ? shardFor(env, routeId, key, route.dedup.shards) : null;
}

/**
 * The queue `?destination=` names (a route's primary destination, or a single origin, has the
 * route's own queue); null when the route has no such destination.
 */
async function destinationQueue(env: Env, routeId: string, destination: unknown) {
  if (destination === undefined || destination === "") return queueFor(env, routeId);
  const route = await readStoredRoute(env, routeId);
  const list = route?.destinations;
  if (!list || typeof destination !== "string") return null;
  const index = list.findIndex((d) => d.id === destination);
  // Sinks (a Cloudflare Queue, R2) have no queue of the gateway's.
  if (index < 0 || !hasQueue(list[index]!)) return null;
  return index === primaryIndex(list) ? queueFor(env, routeId) : queueFor(env, routeId, destination);
}

/** Every queue of a route: its own, and one per HTTP or service destination besides the primary. */
async function allQueues(env: Env, routeId: string) {
  return queuesOf(env, routeId, (await readStoredRoute(env, routeId))?.destinations);
}

const NO_DESTINATION = { error: "not_found", message: "the route has no destination of that id" };

/**
 * A sample event for explain: `{ url?, method?, path?, headers?, body? }` (body: text, JSON, or
 * base64 with `bodyEncoding: "base64"`); without a route, `url` says which route it is for.
 */
async function explainSample(env: Env, request: Request, route: Awaited<ReturnType<typeof getRoute>> | undefined): Promise<Response> {
  let sample: unknown;
  try {
    sample = await request.json();
  } catch {
    sample = undefined;
  }
  if (!sample || typeof sample !== "object" || Array.isArray(sample)) return json(400, { error: "bad_request", message: "send a JSON object: { url, method, headers, body }" });
  const s = sample as Record<string, unknown>;
  if (route === undefined) {
    let url: URL;
    try {
      url = new URL(String(s.url));
    } catch {
      return json(400, { error: "bad_request", message: "url must be the webhook URL the event is sent to" });
    }
    route = await findRoute(env, url.hostname, url.pathname, Date.now());
    s.path = url.pathname + url.search;
    s.host = url.host;
    s.scheme = url.protocol;
  }
  if (!route) return json(404, { error: "not_found", message: "no route for that URL" });
  if (route.kind === "broken") return json(409, { error: "route_misconfigured", message: route.problem });
  const read = readSample(s, typeof s.host === "string" ? s.host : route.config.host, route.config.path);
  if ("error" in read) return json(400, { error: "bad_request", message: read.error });
  const compiled = route;
  const explained = explain(compiled, read.request, new URL(read.request.url), read.body, (h) => maskHeaders(h, compiled.masking));
  return json(200, { route: route.id, destinations: explained });
}

function readSample(s: Record<string, unknown>, host: string, routePath: string): { request: Request; body: Uint8Array } | { error: string } {
  const method = typeof s.method === "string" ? s.method.toUpperCase() : "POST";
  const path = typeof s.path === "string" && s.path.startsWith("/") ? s.path : routePath;
  if (!/^[A-Z]{1,16}$/.test(method)) return { error: "method must be an HTTP method" };
  const headers = new Headers();
  if (s.headers !== undefined) {
    if (!s.headers || typeof s.headers !== "object" || Array.isArray(s.headers)) return { error: "headers must be an object of names and values" };
    try {
      for (const [name, value] of Object.entries(s.headers)) headers.set(name, String(value));
    } catch {
      return { error: "headers must be valid header names and values" };
    }
  }
  let body: Uint8Array = new Uint8Array();
  if (typeof s.body === "string") body = s.bodyEncoding === "base64" ? base64ToBytes(s.body) ?? new Uint8Array() : new TextEncoder().encode(s.body);
  else if (s.body !== undefined) body = new TextEncoder().encode(JSON.stringify(s.body));
  const url = `${s.scheme === "http:" ? "http:" : "https:"}//${host === "*" ? "example.com" : host}${path}`;
  let sampleRequest: Request;
  try {
    sampleRequest = new Request(url, { method, headers });
  } catch {
    return { error: "path must be a URL path" };
  }
  return { request: sampleRequest, body };
}

function safeDecode(text: string): string | null {
  try {
    return decodeURIComponent(text);
  } catch {
    return null;
  }
}

export const DEFAULT_ADMIN_PREFIX = "/__gateway";
const STANDARD_SENDERS = new Map(family.map((p) => [p.name, { sends: `${p.sends}-*`, source: p.source }]));
const MAX_CONFIG_BYTES = 256 * 1024;

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body, null, 2), { status, headers: { "content-type": "application/json" } });

export const refused = (gate: Extract<Gate, { pass: false }>) => {
  const res = json(gate.status, gate.body);
  for (const [name, value] of Object.entries(gate.headers ?? {})) res.headers.set(name, value);
  return res;
};

async function authorized(request: Request, env: Env): Promise<boolean> {
  if (!env.ADMIN_TOKEN) return false; // no token configured: the admin API stays shut
  const match = /^Bearer[ ]+(\S+)$/i.exec(request.headers.get("authorization") ?? "");
  return !!match && matchesAnyDigest(match[1]!, [await sha256(env.ADMIN_TOKEN)]);
}

/** What an HTML form on any site can send without a CORS preflight. */
const FORM_TYPES = new Set(["application/x-www-form-urlencoded", "multipart/form-data", "text/plain"]);

/**
 * A write in a form's content type (review finding: it was acted on). PUT takes its config as
 * JSON; the other writes take no body. text/plain is still read as JSON by PUT: it is what
 * fetch() sends for a string body, which existing clients and tests rely on; a form can
 * carry no Bearer token anyway, so this is defence in depth, not the CSRF defence.
 */
function formWrite(request: Request): boolean {
  if (request.method === "GET" || request.method === "HEAD" || request.method === "OPTIONS") return false;
  const type = mediaType(request.headers.get("content-type"));
  return type !== null && FORM_TYPES.has(type) && !(type === "text/plain" && request.method === "PUT");
}

function withoutState(value: object): object {
  const { state: _state, ...config } = value as { state?: unknown };
  return config;
}

async function readJson(request: Request): Promise<{ ok: true; value: unknown } | { ok: false; response: Response }> {
  const text = await request.text();
  if (text.length > MAX_CONFIG_BYTES) return { ok: false, response: json(413, { error: "payload_too_large" }) };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false, response: json(400, { error: "bad_json", message: "the body is not valid JSON" }) };
  }
}


// ---- secret capture (pipeline/capture.ts) ----------------------------------------------------

export const DEFAULT_CAPTURE_MINUTES = 10;
export const MAX_CAPTURE_MINUTES = 60;
const armBody = v.strictObject({
  minutes: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(MAX_CAPTURE_MINUTES)), DEFAULT_CAPTURE_MINUTES),
  replace: v.optional(v.boolean(), false),
});

/** The route's capturing method (Asana, Notion), or the answer saying why there is none. */
async function captureTarget(env: Env, id: string): Promise<{ route: StoredRoute; index: number; provider: string } | Response> {
  const route = await readStoredRoute(env, id);
  if (!route) return json(404, { error: "not_found" });
  const index = captureMethodIndex(route.auth.methods);
  const method = route.auth.methods[index];
  if (method?.type !== "provider") {
    const names = Object.entries(presets).flatMap(([name, p]) => (p.capture ? [name] : []));
    return json(409, { error: "no_capture_method", message: `the route has no method whose secret is captured (${names.join(", ")})` });
  }
  return { route, index, provider: method.provider };
}

async function armCaptureHandler(request: IRequest, env: Env): Promise<Response> {
  const text = await request.text();
  if (text.length > MAX_CONFIG_BYTES) return json(413, { error: "payload_too_large" });
  let given: unknown = {};
  try {
    if (text.trim() !== "") given = JSON.parse(text);
  } catch {
    return json(400, { error: "bad_json", message: "the body is not valid JSON" });
  }
  const parsed = v.safeParse(armBody, given);
  if (!parsed.success) return json(400, { error: "bad_request", message: `send { "minutes": 1-${MAX_CAPTURE_MINUTES}, "replace": true|false }` });
  const target = await captureTarget(env, request.params.id!);
  if (target instanceof Response) return target;
  const until = Date.now() + parsed.output.minutes * 60_000;
  const armed = await armCapture(env, target.route.id, { index: target.index, provider: target.provider }, until, parsed.output.replace);
  if ("refused" in armed) {
    return armed.refused === "not_found"
      ? json(404, { error: "not_found" })
      : json(409, { error: "secret_already_set", message: 'the route holds its secret; arm with {"replace": true} to clear it and capture a new one' });
  }
  return json(200, { id: target.route.id, provider: target.provider, armed: true, armedUntil: armed.armedUntil, ...(parsed.output.replace && { replaced: true }) });
}

/**
 * Where capture stands. Notion's verification token is the admin's to paste into Notion, so
 * it is shown here (to the admin token only, never cached); Asana's secret never is.
 */
async function captureState(env: Env, id: string): Promise<Response> {
  const target = await captureTarget(env, id);
  if (target instanceof Response) return target;
  const { route, index, provider } = target;
  const state = route.state ?? {};
  const held = route.auth.methods[index]!.secrets;
  let token: string | null = null;
  if (presets[provider]!.capture!.reveal && held[0]) token = await openSecret(held[0].enc, route.id, await secretKeys(env));
  const body = {
    id: route.id,
    provider,
    armed: (state.captureUntil ?? 0) > Date.now(),
    ...(state.captureUntil !== undefined && { armedUntil: state.captureUntil }),
    ...(state.capturedAt !== undefined && { capturedAt: state.capturedAt }),
    holdsSecret: held.length > 0,
    ...(token !== null && { verificationToken: token }),
  };
  const res = json(200, body);
  res.headers.set("cache-control", "no-store");
  return res;
}

export function adminRouter(prefix: string) {
  const router = Router<IRequest, [Env]>({
    base: prefix,
    // Anything unexpected (a Durable Object unreachable, …) is a short JSON 500, never a stack trace.
    catch: (e: unknown) => {
      console.log(JSON.stringify({ msg: "admin_error", error: String((e as Error)?.message ?? e).slice(0, 200) }));
      return json(500, { error: "internal_error" });
    },
  });
  router
    .get("/health", () => json(200, { ok: true }))
    // The page holds no data: everything it shows comes from the API below, with the token.
    .get("/dashboard", () => dashboardResponse())
    .all("*", async (request, env) => {
      const now = Date.now();
      const cooling = coolingDown(request, now);
      if (!cooling.pass) return refused(cooling);
      if (await authorized(request, env)) return undefined;
      // Only a presented token is a guess; a call without one is not counted.
      if (request.headers.has("authorization")) recordRefusedToken(request, now);
      return json(401, { error: "unauthorized" });
    })
    .all("*", (request) => (formWrite(request) ? json(415, { error: "unsupported_media_type", message: "send JSON (application/json), or no body" }) : undefined))
    .get("/routes", async (_request, env) => json(200, { routes: (await listStoredRoutes(env)).map(redactRoute) }))
    .get("/routes/:id", async ({ params }, env) => {
      const route = await readStoredRoute(env, params.id!);
      return route ? json(200, redactRoute(route)) : json(404, { error: "not_found" });
    })
    .put("/routes/:id", async (request, env) => {
      const body = await readJson(request);
      if (!body.ok) return body.response;
      // What `routes get` shows includes the gateway's own `state` (paused, listening): not config, so a
      // config fetched, edited and put back is taken without it, and the state stays as it is.
      const input = body.value && typeof body.value === "object" && !Array.isArray(body.value) ? withoutState(body.value) : body.value;
      const id = request.params.id!;
      if (input && typeof input === "object" && !Array.isArray(input)) {
        const given = (input as { id?: unknown }).id;
        if (given !== undefined && given !== id) {
          return json(400, { error: "invalid_config", issues: [{ path: "id", message: `must match the URL (${id})` }] });
        }
      }
      const parsed = parseRouteConfig(input && typeof input === "object" && !Array.isArray(input) ? { ...input, id } : input);
      if (!parsed.ok) return json(400, { error: "invalid_config", issues: parsed.error });
      if (!env.SECRETS_KEY) return json(500, { error: "server_misconfigured", message: "SECRETS_KEY is not set" });
      try {
        return json(200, redactRoute(await putRoute(env, parsed.value)));
      } catch (e) {
        if (e instanceof UnusableRoute) return json(400, { error: "invalid_config", issues: [{ path: "(root)", message: e.message }] });
        return json(500, { error: "server_misconfigured", message: "SECRETS_KEY is missing or invalid" });
      }
    })
    .get("/routes/:id/dedup/:key", async ({ params }, env) => {
      const key = safeDecode(params.key!);
      if (key === null) return json(400, { error: "bad_request", message: "the key is not valid URL encoding" });
      const shard = await dedupShard(env, params.id!, key);
      if (!shard) return json(404, { error: "not_found", message: "no such route, or dedup is off for it" });
      const record = await shard.lookup(key);
      return record ? json(200, record) : json(404, { error: "not_found" });
    })
    .delete("/routes/:id/dedup/:key", async ({ params }, env) => {
      const key = safeDecode(params.key!);
      if (key === null) return json(400, { error: "bad_request", message: "the key is not valid URL encoding" });
      const shard = await dedupShard(env, params.id!, key);
      if (!shard) return json(404, { error: "not_found", message: "no such route, or dedup is off for it" });
      const peers = await shard.forget(key);
      if (peers === null) return json(404, { error: "not_found" });
      // The event's other keys (its content hash) may sit in other shards: forget them too, so the next copy goes through.
      for (const peer of peers) await (await dedupShard(env, params.id!, peer))?.forget(peer);
      return json(200, { forgotten: [key, ...peers] });
    })
    .get("/routes/:id/events", async ({ params, query }, env) => {
      const state = String(query.state ?? "pending");
      if (!["pending", "delivered", "dead"].includes(state)) return json(400, { error: "bad_request", message: "state must be pending, delivered or dead" });
      const queue = await destinationQueue(env, params.id!, query.destination);
      return queue ? json(200, { events: await queue.list(state as EventState) }) : json(404, NO_DESTINATION);
    })
    .get("/routes/:id/events/:eventId", async ({ params, query }, env) => {
      const queue = await destinationQueue(env, params.id!, query.destination);
      if (!queue) return json(404, NO_DESTINATION);
      const found = await queue.inspect(params.eventId!);
      if (!found) return json(404, { error: "not_found" });
      const route = await getRoute(env, params.id!, Date.now());
      const headers = found.headers as [string, string][];
      // Without the route's masking (deleted, or its secrets cannot be opened), a signature under a custom
      // header name showed in full (review finding): then every value is masked.
      return json(200, { ...found, headers: route?.kind === "route" ? maskHeaders(headers, route.masking) : maskAllHeaders(headers) });
    })
    .get("/routes/:id/dead-letters", async ({ params, query }, env) => {
      const queue = await destinationQueue(env, params.id!, query.destination);
      return queue ? json(200, { events: await queue.list("dead") }) : json(404, NO_DESTINATION);
    })
    // All dead letters, or those received in [since, until) (epoch ms); ?dryRun=1 says what would be sent.
    .post("/routes/:id/dead-letters/replay", async ({ params, query }, env) => {
      const num = (v: unknown) => (v === undefined || v === "" ? undefined : Number(v));
      const since = num(query.since);
      const until = num(query.until);
      if ([since, until].some((t) => t !== undefined && !Number.isSafeInteger(t))) return json(400, { error: "bad_request", message: "since and until are epoch milliseconds" });
      const dryRun = query.dryRun === "1" || query.dryRun === "true";
      const queue = await destinationQueue(env, params.id!, query.destination);
      if (!queue) return json(404, NO_DESTINATION);
      return json(200, await queue.replay({ ...(since !== undefined && { since }), ...(until !== undefined && { until }) }, dryRun));
    })
    .post("/routes/:id/dead-letters/:eventId/replay", async ({ params, query }, env) => {
      const queue = await destinationQueue(env, params.id!, query.destination);
      if (!queue) return json(404, NO_DESTINATION);
      const result = await queue.replay([params.eventId!]);
      return result.replayed > 0 ? json(200, result) : json(404, { error: "not_found", message: "no dead letter with that id" });
    })
    .get("/routes/:id/log", async ({ params, query }, env) => {
      const num = (v: unknown) => (v === undefined || v === "" ? undefined : Number(v));
      const entries = await eventLogFor(env, params.id!).search({
        ...(query.eventId && { eventId: String(query.eventId) }),
        ...(query.decision && { decision: String(query.decision) }),
        ...(num(query.since) !== undefined && { since: num(query.since)! }),
        ...(num(query.until) !== undefined && { until: num(query.until)! }),
        ...(num(query.limit) !== undefined && { limit: num(query.limit)! }),
      });
      return json(200, { entries });
    })
    .get("/routes/:id/log/:seq", async ({ params }, env) => {
      const entry = await eventLogFor(env, params.id!).get(Number(params.seq));
      return entry ? json(200, entry) : json(404, { error: "not_found" });
    })
    .get("/routes/:id/summary", async ({ params, query }, env) => {
      const since = Number(query.since ?? Date.now() - 3600_000);
      const bucketMs = Math.max(1000, Number(query.bucketMs ?? 60_000));
      return json(200, { since, bucketMs, buckets: await eventLogFor(env, params.id!).summary(since, bucketMs) });
    })
    // A route's destinations as configured, with what each did over the last `since` ms (default 24 h).
    .get("/routes/:id/destinations", async ({ params, query }, env) => {
      const route = await getRoute(env, params.id!, Date.now());
      if (!route) return json(404, { error: "not_found" });
      if (route.kind === "broken") return json(409, { error: "route_misconfigured", message: route.problem });
      const since = Date.now() - (query.since !== undefined ? Number(query.since) : 24 * 3600_000);
      const counts: Record<string, Record<string, number>> = route.fanOut ? await eventLogFor(env, route.id).destinationCounts(since) : {};
      const configured = route.config.destinations ?? [];
      return json(200, {
        destinations: route.destinations.map((d) => {
          const own = configured.find((c) => c.id === d.id);
          return {
            id: d.id,
            type: d.kind,
            ...(d.binding && { binding: d.binding }),
            url: d.url ?? null,
            primary: d.primary,
            mode: d.mode,
            ...(own?.filter !== undefined && { filter: own.filter }),
            ...(own?.transform !== undefined && { transform: own.transform }),
            counts: counts[d.id] ?? {},
          };
        }),
      });
    })
    // Where a sample event would go, and the request each destination would get; nothing is sent.
    // By route id, or (`hookgate send --explain`) by the webhook URL, found as the pipeline finds it.
    .post("/routes/:id/explain", async (request, env) => explainSample(env, request, await getRoute(env, request.params.id!, Date.now())))
    .post("/explain", async (request, env) => explainSample(env, request, undefined))
    // Archived events (an R2 destination) sent again to a destination: one UTC day's, or one message; ?dryRun=1 lists them.
    .post("/routes/:id/archive/replay", async ({ params, query }, env) => {
      const route = await getRoute(env, params.id!, Date.now());
      if (!route) return json(404, { error: "not_found" });
      if (route.kind === "broken") return json(409, { error: "route_misconfigured", message: route.problem });
      const archives = route.destinations.filter((d) => d.kind === "r2");
      const from = query.archive ? archives.find((d) => d.id === query.archive) : archives[0];
      if (!from) return json(404, { error: "not_found", message: "the route has no R2 archive destination of that id" });
      const to = route.destinations.find((d) => d.id === query.destination);
      if (!to || to.kind === "r2") return json(400, { error: "bad_request", message: "destination must name one of the route's destinations (not an archive)" });
      const date = String(query.date ?? new Date().toISOString().slice(0, 10));
      if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) return json(400, { error: "bad_request", message: "date is a UTC day: YYYY-MM-DD" });
      const messageId = typeof query.messageId === "string" && /^msg_[0-9a-f]{32}$/.test(query.messageId) ? query.messageId : undefined;
      if (query.messageId !== undefined && !messageId) return json(400, { error: "bad_request", message: "messageId is a gateway message id (msg_ and 32 hex digits)" });
      const dryRun = query.dryRun === "1" || query.dryRun === "true";
      const result = await replayArchived(env, route, from, to, { date, dryRun, ...(messageId && { messageId }), ...(typeof query.cursor === "string" && { cursor: query.cursor }) });
      if ("error" in result) return json(503, { error: "replay_failed", message: result.error });
      return json(200, dryRun ? { wouldReplay: result.replayed, messageIds: result.messageIds, ...(result.cursor && { cursor: result.cursor }) } : result);
    })
    // An event-log entry (a route with storeBodies) sent to one destination: a filtered event, or one sent again.
    .post("/routes/:id/log/:seq/replay", async ({ params, query }, env) => {
      const route = await getRoute(env, params.id!, Date.now());
      if (!route) return json(404, { error: "not_found" });
      if (route.kind === "broken") return json(409, { error: "route_misconfigured", message: route.problem });
      const to = query.destination === undefined ? route.destinations[0] : route.destinations.find((d) => d.id === query.destination);
      if (!to) return json(404, NO_DESTINATION);
      const seq = Number(params.seq);
      if (!Number.isSafeInteger(seq)) return json(400, { error: "bad_request", message: "seq is the entry's number (hookgate log)" });
      const result = await replayLogged(env, route, to, seq);
      if ("error" in result) return json(result.status, { error: result.status === 404 ? "not_found" : "cannot_replay", message: result.error });
      return json(200, { replayed: 1, destination: to.id, messageId: result.messageId });
    })
    // Pause: the queue stops at once and requests queue instead of forwarding (other isolates
    // within the route cache's TTL plus KV propagation). Resume: the queue drains, oldest first.
    .post("/routes/:id/pause", async ({ params }, env) => {
      if (!(await readStoredRoute(env, params.id!))) return json(404, { error: "not_found" });
      // Every destination's queue stops; `pending` counts them all.
      const pending = (await Promise.all((await allQueues(env, params.id!)).map((q) => q.setPaused(true)))).reduce((a, b) => a + b, 0);
      const state = await setRouteState(env, params.id!, { pausedAt: Date.now() });
      return state ? json(200, { id: params.id, paused: true, pausedAt: state.pausedAt, pending }) : json(404, { error: "not_found" });
    })
    .post("/routes/:id/resume", async ({ params }, env) => {
      const state = await setRouteState(env, params.id!, { pausedAt: null });
      if (!state) return json(404, { error: "not_found" });
      const pending = (await Promise.all((await allQueues(env, params.id!)).map((q) => q.setPaused(false)))).reduce((a, b) => a + b, 0);
      return json(200, { id: params.id, paused: false, pending });
    })
    // Secret capture (Asana, Notion): arm for a bounded time, read where it stands, or disarm.
    .post("/routes/:id/capture", (request, env) => armCaptureHandler(request, env))
    .get("/routes/:id/capture", ({ params }, env) => captureState(env, params.id!))
    .delete("/routes/:id/capture", async ({ params }, env) => {
      const target = await captureTarget(env, params.id!);
      if (target instanceof Response) return target;
      const state = await setRouteState(env, params.id!, { captureUntil: null });
      return state ? json(200, { id: params.id, armed: false }) : json(404, { error: "not_found" });
    })
    // hookgate listen: a WebSocket held by the route's listen hub (durable/listen-hub.ts).
    .get("/routes/:id/listen", async (request, env) => {
      if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
        return json(426, { error: "upgrade_required", message: "connect with a WebSocket (hookgate listen)" });
      }
      if (!(await readStoredRoute(env, request.params.id!))) return json(404, { error: "not_found" });
      const after = typeof request.query.after === "string" ? request.query.after : "";
      const target = `https://listen.internal/?route=${encodeURIComponent(request.params.id!)}${isSeq(after) ? `&after=${after}` : ""}`;
      const response = await hubFor(env, request.params.id!).fetch(new Request(target, { headers: { upgrade: "websocket" } }));
      // The hub has marked the route as listened to; this isolate sees it on the next request.
      clearRouteCache();
      return response;
    })
    .get("/routes/:id/listen/events", async ({ params, query }, env) => {
      const after = Number(query.after ?? 0);
      const limit = Number(query.limit ?? 100);
      if (!Number.isSafeInteger(after) || !Number.isSafeInteger(limit)) return json(400, { error: "bad_request", message: "after and limit are integers" });
      const messageId = typeof query.messageId === "string" && query.messageId !== "" ? query.messageId : undefined;
      return json(200, { events: await hubFor(env, params.id!).list(after, limit, messageId) });
    })
    // One event exactly as the origin got it (unmasked headers, base64 body): from the listen
    // hub by seq or message id, else from the delivery queue while it still holds the body.
    .get("/routes/:id/listen/events/:ref", async ({ params }, env) => {
      const heard = await hubFor(env, params.id!).find(params.ref!);
      if (heard?.request?.body !== undefined) return json(200, heard);
      const queued = await queueFor(env, params.id!).raw(params.ref!);
      if (!queued) return json(404, { error: "not_found", message: "no stored request with that seq or message id (bodies are kept by the listen hub for its last 1,000 events, and by the queue until delivery)" });
      const { body, receivedAt, ...meta } = queued;
      return json(200, { messageId: params.ref, at: receivedAt, request: { ...meta, bodyBytes: body.byteLength, body: bytesToBase64(body) } });
    })
    // The presets a route can name, with the options each takes (a UI or a user discovers them here).
    .get("/providers", () =>
      json(200, {
        providers: Object.entries(presets).map(([name, p]) => {
          const options = Object.entries(p.options);
          const required = options.flatMap(([o, spec]) => (spec.required ? [o] : []));
          return {
            name,
            display: p.display,
            sources: p.sources,
            options: [...(p.keyless ? [] : ["secrets"]), ...options.map(([o]) => o)],
            // What each option is: its meaning, and whether it is a credential (sealed, never shown back).
            optionDocs: Object.fromEntries(options.map(([o, spec]) => [o, { doc: spec.doc, ...(spec.secret && { secret: true }) }])),
            ...(required.length > 0 && { required }),
            ...(p.keyless && { keyless: true }),
            ...(p.retryHours !== undefined && { retryHours: p.retryHours }),
            // Its secret arrives in the creation handshake: save the route without `secrets`, then arm capture.
            ...(p.capture && { capturesSecret: true }),
            ...(STANDARD_SENDERS.has(name) && { scheme: "standard-webhooks", ...STANDARD_SENDERS.get(name) }),
          };
        }),
      }),
    )
    .get("/doctor", async (_request, env) => {
      const checks = await doctor(env);
      return json(200, { ok: checks.every((c) => c.ok), checks });
    })
    .get("/overview", async (_request, env) => json(200, { routes: await overview(env) }))
    .delete("/routes/:id", async ({ params }, env) =>
      (await deleteRoute(env, params.id!)) ? json(200, { deleted: params.id }) : json(404, { error: "not_found" }),
    )
    .all("*", () => json(404, { error: "not_found" }));
  return router;
}
