/**
 * A route with several destinations, or with filters or transformations: which destinations
 * take an event (filters), the request each one gets (transformations), one dedup claim per
 * destination, and the fan-out. The primary destination's answer is the provider's; every
 * other destination is queued in its own queue, so a slow or dead one never delays or fails
 * another. A route with one plain origin never comes here (run.ts takes its own path).
 */
import type { CompiledDestination, CompiledRoute } from "../config/compile";
import type { Env } from "../env";
import { eventLogFor } from "../durable/event-log";
import { logReason, type Rejection } from "../lib/rejection";
import { eventFields, evaluate } from "../routing/filter";
import { applyTransform } from "../routing/transform";
import { claimDelivery, type DedupSettings } from "./dedup";
import { deliver, enqueue, type Delivery } from "./deliver";
import { originUrl, outbound, type Outbound } from "./forward";
import { archive, sendToSink, serviceBase, type Archived, type EventMeta, type SinkResult } from "../delivery/sinks";
import { settleTargets, type Outcome, type RequestContext, type Target } from "./context";

/** The destinations whose filters match, in the route's order (primary first), and why the others do not. */
export function selectDestinations(
  route: CompiledRoute,
  headers: Headers,
  url: URL,
  body: Uint8Array,
): { targets: CompiledDestination[]; skipped: { id: string; failed: string }[] } {
  const targets: CompiledDestination[] = [];
  const skipped: { id: string; failed: string }[] = [];
  let fields: unknown;
  let parsed = false;
  for (const d of route.destinations) {
    if (!d.filter) {
      targets.push(d);
      continue;
    }
    // Parsed once, and only when some destination filters.
    if (!parsed) {
      fields = eventFields(body, headers.get("content-type"));
      parsed = true;
    }
    const verdict = evaluate(d.filter, { body: fields, headers, path: url.pathname, query: url.searchParams });
    if (verdict.matched) targets.push(d);
    else skipped.push({ id: d.id, failed: verdict.failed });
  }
  return { targets, skipped };
}

/** Each destination's dedup keys: the primary's are the event's own (as with a single origin), the others' carry the destination's id. */
const keysFor = (d: CompiledDestination, keys: readonly string[]) => (d.primary ? keys : keys.map((k) => `${k}>${d.id}`));

/**
 * One claim per destination, so each gets the event once: a destination that already has it is
 * left out, the others are claimed. A copy still in flight to any destination is refused (409),
 * as with one origin: answering it could let the provider stop retrying an event that fails.
 */
export async function claimEach(
  env: Env,
  route: CompiledRoute,
  settings: DedupSettings,
  keys: readonly string[],
  targets: readonly Target[],
  now: number,
  ctx: Pick<ExecutionContext, "waitUntil">,
): Promise<{ targets: Target[]; duplicates: string[] } | Rejection> {
  let claims;
  try {
    claims = await Promise.all(targets.map((t) => claimDelivery(env, route, settings, keysFor(t.destination, keys), now, ctx)));
  } catch (e) {
    // A shard is unreachable: 503 makes the provider retry; forwarding unguarded could double-deliver.
    // Claims that did succeed expire by lease (at most one extra delivery).
    return { code: "store_unavailable", detail: `dedup: ${String((e as Error)?.message ?? e).slice(0, 200)}` };
  }
  const refused = claims.find((c) => "code" in c);
  const claimed: Target[] = [];
  const duplicates: string[] = [];
  claims.forEach((c, i) => {
    const destination = targets[i]!.destination;
    if ("code" in c) return;
    if (c.kind === "duplicate") duplicates.push(destination.id);
    else claimed.push({ destination, settle: c.settle });
  });
  if (refused) {
    for (const t of claimed) ctx.waitUntil(t.settle!(false, now));
    return refused as Rejection;
  }
  return { targets: claimed, duplicates };
}

/** Where a destination's requests go: its URL; a service's own; a sink's record keeps the URL the provider called. */
const baseUrl = (d: CompiledDestination) => (d.kind === "service" ? serviceBase(d) : d.kind === "http" ? d.url : undefined);

/** The request a destination gets: its URL, and the route's outbound request transformed as it asks. */
export function outboundTo(route: CompiledRoute, d: CompiledDestination, base: Outbound, url: URL): Outbound {
  if (!d.transform) return { ...base, url: originUrl(baseUrl(d), url, route.stripQuery), headers: new Headers(base.headers) };
  const { out } = applyTransform(d.transform, { path: url.pathname, headers: base.headers, body: base.body });
  return { ...base, url: originUrl(baseUrl(d), url, route.stripQuery, out.path), headers: out.headers, body: out.body };
}

/** One destination's delivery: the primary as its settings say, any other handed on at once. */
function deliverTo(c: RequestContext & { route: CompiledRoute }, d: CompiledDestination, out: Outbound): Promise<Delivery | Rejection> {
  if (d.primary) return deliver(c.env, c.route, d, out, c.requestId, c.now, c.accepted?.eventId, c.accepted?.verifiedBy ?? []);
  return handTo(c.env, c.route, d, out, metaOf(c, d, out));
}

/** Hands an event to a destination that does not answer the provider: its queue of the gateway's, or the sink itself. */
async function handTo(env: Env, route: CompiledRoute, d: CompiledDestination, out: Outbound, meta: EventMeta): Promise<Delivery | Rejection> {
  if (d.kind === "http" || d.kind === "service") return enqueue(env, route, d, out, meta.receivedAt, meta.eventId);
  const sent = d.kind === "r2" ? await archive(env, d, out, meta) : await sendToSink(env, d, out, meta);
  return sent.ok ? { kind: "queued", id: out.id } : { code: "store_unavailable", detail: `destination ${d.id}: ${sent.error}` };
}

const metaOf = (c: RequestContext & { route: CompiledRoute }, d: CompiledDestination, out: Outbound): EventMeta => ({
  route: c.route.id,
  destination: d.id,
  messageId: out.id,
  ...(c.accepted?.eventId && { eventId: c.accepted.eventId }),
  receivedAt: c.now,
  verifiedBy: c.accepted?.verifiedBy ?? [],
});

const describe = (d: CompiledDestination, r: Delivery | Rejection): string =>
  `${d.id}=${"code" in r ? `failed:${r.code}` : r.kind === "forwarded" ? `forwarded:${r.forwarded.originStatus}` : d.kind === "r2" ? "archived" : d.kind === "workflow" ? "started" : "queued"}`;

/**
 * Sends the event to every target at once: the primary (when its filter matched) as its
 * settings say, the others into their queues. The provider hears the primary's answer, or
 * 202 when the primary does not take the event; but if any other destination could not
 * queue it, 503, so that the provider retries (the destinations that have it are committed
 * and skip the retry).
 */
export async function fanOut(c: RequestContext & { route: CompiledRoute; targets: Target[] }, base: Outbound): Promise<Outcome> {
  const { env, route, url } = c;
  // Capture first: the archive holds the verified bytes before any other destination is tried.
  const archives = c.targets.filter((t) => t.destination.kind === "r2");
  const archived = new Map<CompiledDestination, Delivery | Rejection>();
  if (archives.length > 0) {
    const record = { ...base, url: originUrl(undefined, url, route.stripQuery) };
    const written = await Promise.all(archives.map((t) => archive(env, t.destination, record, metaOf(c, t.destination, base))));
    const failed = written.findIndex((w) => !w.ok);
    if (failed >= 0) {
      // Nothing was delivered: every claim is released and the provider retries.
      settleTargets(c, () => undefined);
      const why = written[failed] as Extract<SinkResult, { ok: false }>;
      return { rejection: { code: "store_unavailable", detail: `archive ${archives[failed]!.destination.id}: ${why.error}` } };
    }
    for (const t of archives) archived.set(t.destination, { kind: "queued", id: base.id });
  }
  const results = await Promise.all(c.targets.map(({ destination: d }) => archived.get(d) ?? deliverTo(c, d, outboundTo(route, d, base, url))));
  const byDestination = new Map(c.targets.map((t, i) => [t.destination, results[i]!]));
  settleTargets(c, (d) => byDestination.get(d));
  const destinations = [...c.targets.map((t, i) => describe(t.destination, results[i]!)), ...(c.skipped ?? [])].join(",");
  const lost = c.targets.findIndex((t, i) => !t.destination.primary && "code" in results[i]!);
  if (lost >= 0) return { rejection: results[lost] as Rejection, destinations };
  const primary = c.targets[0]?.destination.primary ? results[0]! : undefined;
  if (primary && "code" in primary) return { rejection: primary, destinations };
  if (primary?.kind === "forwarded") return { forwarded: primary.forwarded, destinations };
  return { queued: base.id, destinations };
}

/** What one destination would do with a sample event (`hookgate send --explain`, POST …/explain). */
export interface Explained {
  readonly id: string;
  readonly type: CompiledDestination["kind"];
  /** service, queue, r2: the binding it goes to. */
  readonly binding?: string;
  readonly primary: boolean;
  readonly mode: "sync" | "queue";
  readonly takes: boolean;
  /** Why it takes the event or not: "no filter", "filter matched", or the first condition that did not match. */
  readonly why: string;
  readonly request?: { readonly method: string; readonly url: string; readonly headers: [string, string][]; readonly bodyBytes: number; readonly bodyChanged: boolean };
}

/**
 * The fan-out for a sample event, without sending anything: each destination's verdict and
 * the request it would get (headers masked as in the event log). Signatures are not checked:
 * this answers "where would it go", not "would it pass".
 */
export function explain(route: CompiledRoute, request: Request, url: URL, body: Uint8Array, mask: (h: [string, string][]) => [string, string][]): Explained[] {
  const { targets, skipped } = selectDestinations(route, request.headers, url, body);
  const base = outbound(route, request, url, body, { verifiedBy: [], requestId: "explain", messageId: "msg_explain", providerEventId: undefined, dedup: "off", receivedAt: Date.now() });
  return route.destinations.map((d) => {
    const common = { id: d.id, type: d.kind, ...(d.binding && { binding: d.binding }), primary: d.primary, mode: d.mode };
    const missed = skipped.find((s) => s.id === d.id);
    if (missed || !targets.includes(d)) return { ...common, takes: false, why: missed?.failed ?? "not selected" };
    const out = outboundTo(route, d, base, url);
    return {
      ...common,
      takes: true,
      why: d.filter ? "filter matched" : "no filter",
      request: { method: out.method, url: out.url, headers: mask([...out.headers]), bodyBytes: out.body.byteLength, bodyChanged: out.body !== base.body },
    };
  });
}

/** Which archived events to send again: one day's (UTC), or one message. */
export interface ArchiveReplay {
  readonly date: string;
  readonly messageId?: string;
  readonly dryRun: boolean;
  readonly cursor?: string;
}

/** Events replayed per call; the answer's cursor continues. */
const REPLAY_PAGE = 100;

/**
 * Sends archived events again, to any destination of the route: from the R2 archive alone,
 * so it works when the route's queues, dedup keys and event log are gone. Each replayed
 * event gets a new message id (its first delivery's may still be in the destination's
 * queue); the provider's event id goes with it as before. Dedup is not consulted: a replay
 * is an operator asking for the event again.
 */
export async function replayArchived(
  env: Env,
  route: CompiledRoute,
  from: CompiledDestination,
  to: CompiledDestination,
  what: ArchiveReplay,
): Promise<{ replayed: number; messageIds: string[]; cursor?: string } | { error: string }> {
  const bucket = (env as unknown as Record<string, R2Bucket | undefined>)[from.binding!];
  if (!bucket || typeof bucket.list !== "function") return { error: `no R2 binding "${from.binding}"` };
  const prefix = `${from.prefix ?? ""}${[route.id, what.date].join("/")}/`;
  const listed = what.messageId
    ? { objects: [{ key: `${prefix}${what.messageId}.json` }], truncated: false as const }
    : await bucket.list({ prefix, limit: REPLAY_PAGE * 2, ...(what.cursor && { cursor: what.cursor }) });
  const metas = listed.objects.map((o) => o.key).filter((k) => k.endsWith(".json"));
  const messageIds: string[] = [];
  for (const key of metas) {
    const described = await bucket.get(key);
    const body = described && (await bucket.get(key.slice(0, -".json".length)));
    if (!described || !body) continue;
    const record = (await described.json()) as Archived;
    messageIds.push(record.messageId);
    if (what.dryRun) continue;
    const id = `msg_${crypto.randomUUID().replace(/-/g, "")}`;
    const original: Outbound = { id, url: record.url, method: record.method, headers: new Headers(record.headers), body: new Uint8Array(await body.arrayBuffer()) };
    const out = outboundTo(route, to, original, new URL(record.url));
    const meta = { route: route.id, destination: to.id, messageId: id, ...(record.eventId && { eventId: record.eventId }), receivedAt: record.receivedAt, verifiedBy: record.verifiedBy };
    const handed = await handTo(env, route, to, out, meta);
    if ("code" in handed) return { error: `replay stopped at ${record.messageId} (${messageIds.length - 1} sent before it): the destination did not take it` };
  }
  return { replayed: messageIds.length, messageIds, ...(listed.truncated && { cursor: listed.cursor }) };
}

/** Decisions whose event-log entry is a verified event (a refusal's body is a stranger's and never kept). */
const REPLAYABLE = new Set(["forwarded", "queued", "filtered", "duplicate"]);

/**
 * Sends an event kept in the route's event log (a route with `storeBodies`) to one of its
 * destinations: a filtered event a new destination should have, or one sent again. The log
 * keeps no query string and masks signatures and credentials, so the destination gets the
 * path, the body and the unmasked headers, attested by the gateway as any event is.
 */
export async function replayLogged(env: Env, route: CompiledRoute, to: CompiledDestination, seq: number): Promise<{ messageId: string } | { error: string; status: number }> {
  const found = await eventLogFor(env, route.id).raw(seq);
  if (!found) return { error: "no event-log entry with that seq", status: 404 };
  const { entry, body } = found;
  if (!REPLAYABLE.has(entry.decision) || entry.observed !== undefined) return { error: `entry ${seq} is not a verified event (${entry.decision})`, status: 400 };
  if (!body) return { error: `entry ${seq} has no body (the route keeps bodies with observability.storeBodies)`, status: 409 };
  const id = `msg_${crypto.randomUUID().replace(/-/g, "")}`;
  const url = new URL(`https://${route.config.host === "*" ? "replay.invalid" : route.config.host}${entry.path}`);
  const headers = new Headers((entry.headers ?? []).filter(([name, value]) => !String(value).startsWith("[masked") && name !== "x-hookgate-omitted") as [string, string][]);
  const out = outboundTo(route, to, { id, url: url.href, method: entry.method, headers, body }, url);
  const meta = { route: route.id, destination: to.id, messageId: id, ...(entry.eventId && { eventId: entry.eventId }), receivedAt: entry.at, verifiedBy: entry.verifiedBy ? entry.verifiedBy.split(",") : [] };
  const handed = await handTo(env, route, to, out, meta);
  return "code" in handed ? { error: logReason(handed), status: 503 } : { messageId: id };
}
