/**
 * The dedup stage: each event reaches the origin once, and a retry of an event that did
 * not reach it is never swallowed. Runs after authentication, so strangers cannot write
 * keys. The key is the configured header or JSON field, else the provider's event id
 * (from its preset), else a hash of the signature headers and the body.
 *
 * Semantics (README "Deduplication"):
 * - first arrival claims the key and is forwarded; origin 2xx commits it, anything else
 *   (or no answer) releases it so the provider's retry is forwarded;
 * - a copy of a delivered event gets 200 with `x-hookgate-duplicate: true`, not forwarded;
 * - a copy that arrives while the first is in flight gets 409 with Retry-After: the first
 *   may still fail, so answering 200 could lose the event;
 * - a claim whose worker died is taken over when its lease (origin timeout + 5 s) passes.
 */
import { parseJson, textAt } from "../lib/json-field";
import type { CompiledRoute } from "../config/compile";
import type { DedupShard, Settlement } from "../durable/dedup-shard";
import type { Env } from "../env";
import { bytesToHex, concatBytes, utf8 } from "../lib/encoding";
import { sha256 } from "../lib/constant-time";
import type { Rejection } from "../lib/rejection";
import { stripQueryParams } from "./forward";
import { objectId } from "../lib/object-ids";

export const DEFAULT_RETENTION_SECONDS = 24 * 3600;
const LEASE_MARGIN_MS = 5_000;


export interface DedupSettings {
  readonly key?: { readonly header: string } | { readonly jsonField: string };
  readonly retentionSeconds?: number;
  readonly shards: number;
}

export function retentionMs(route: CompiledRoute, settings: DedupSettings): number {
  if (settings.retentionSeconds !== undefined) return settings.retentionSeconds * 1000;
  // A key must outlive the provider's last retry (its preset's retry horizon, compile.ts).
  return (route.providerRetentionSeconds ?? DEFAULT_RETENTION_SECONDS) * 1000;
}

/**
 * The keys an event is claimed under, each prefixed by where it came from so an id can
 * never collide with a hash:
 * - the configured header or JSON field, else the provider's event id;
 * - also `content:` (a hash of the signature headers and the body) when the route's
 *   verifier does not sign the event id (GitHub's `X-GitHub-Delivery`, Shopify's webhook
 *   id, Twilio's idempotency token): a captured delivery replayed under a fresh, unsigned
 *   id is then still a duplicate;
 * - without any id, `body:` (a hash of the method, path, query and body, not the
 *   signature): a timestamped scheme re-signs each retry (Zoom; SendGrid and HubSpot
 *   batches), and the same event signed again later must still be a duplicate.
 */
export async function deliveryKeys(
  settings: DedupSettings,
  request: { readonly method: string; readonly url: URL; readonly headers: Headers },
  body: Uint8Array,
  eventId: string | undefined,
  route: Pick<CompiledRoute, "signatureHeaders" | "unsignedEventId" | "stripQuery">,
): Promise<string[]> {
  const { headers } = request;
  let primary: string | undefined;
  if (settings.key && "header" in settings.key) {
    const value = headers.get(settings.key.header);
    if (value) primary = `header:${value}`;
  } else if (settings.key) {
    const value = textAt(parseJson(body), settings.key.jsonField);
    if (value !== undefined) primary = `json:${value}`;
  }
  if (primary === undefined && eventId) primary = `id:${eventId}`;
  if (primary === undefined) {
    const target = `${request.method} ${request.url.pathname}${stripQueryParams(request.url.search, route.stripQuery)}\n`;
    return [`body:${bytesToHex(await sha256(concatBytes([utf8(target), body])))}`];
  }
  // Ids are provider- or attacker-chosen text: a very long one is kept as its hash.
  if (primary.length > MAX_KEY_CHARS) primary = `${primary.slice(0, primary.indexOf(":"))}#:${bytesToHex(await sha256(primary))}`;
  if (!route.unsignedEventId) return [primary];
  const signed = route.signatureHeaders.map((h) => `${h}:${headers.get(h) ?? ""}\n`).join("");
  return [primary, `content:${bytesToHex(await sha256(concatBytes([utf8(signed), body])))}`];
}

/** Longest key stored as given. */
const MAX_KEY_CHARS = 512;

/** The name of the shard object that holds a key. */
async function shardName(routeId: string, key: string, shards: number): Promise<string> {
  // One shard (the default): no hash to compute, every key is in shard 0.
  if (shards === 1) return `dedup:${routeId}:0`;
  const digest = await sha256(key);
  const shard = ((digest[0]! << 24) | (digest[1]! << 16) | (digest[2]! << 8) | digest[3]!) >>> 0;
  return `dedup:${routeId}:${shard % shards}`;
}

const shardStub = (env: Env, name: string) => env.DEDUP.get(objectId(env.DEDUP, name));

export async function shardFor(env: Env, routeId: string, key: string, shards: number): Promise<DurableObjectStub<DedupShard>> {
  return shardStub(env, await shardName(routeId, key, shards));
}

/**
 * Settlements on their way to each shard, per isolate. The first one is sent at once; those
 * that come while it is on its way gather and go together in the next call, so a busy
 * shard gets one settle call (one disk transaction) per round trip, not one per delivery.
 * The request whose settlement started a round sends the following ones too (its
 * `waitUntil` covers them), for at most MAX_ROUNDS calls; the next settlement after that
 * starts a fresh sender, so no request is kept alive for long by other requests' work.
 */
interface Outgoing {
  queued: Settlement[];
  sender: number;
  rounds: number;
}
const outgoing = new Map<string, Outgoing>();
const MAX_ROUNDS = 50;
let senders = 0;

export function settleLater(env: Env, shard: string, settlement: Settlement): Promise<void> {
  let o = outgoing.get(shard);
  if (!o) outgoing.set(shard, (o = { queued: [], sender: 0, rounds: 0 }));
  o.queued.push(settlement);
  if (o.sender !== 0 && o.rounds < MAX_ROUNDS) return Promise.resolve();
  const me = ++senders;
  o.sender = me;
  o.rounds = 0;
  return sendSettlements(env, shard, o, me);
}

async function sendSettlements(env: Env, shard: string, o: Outgoing, me: number): Promise<void> {
  while (o.sender === me && o.queued.length > 0) {
    const batch = o.queued;
    o.queued = [];
    o.rounds++;
    try {
      await shardStub(env, shard).settle(batch);
    } catch (e) {
      // Commits lost here expire by lease (the next copy is forwarded: at most one extra delivery); releases likewise.
      console.log(JSON.stringify({ msg: "dedup_settle_failed", shard, settlements: batch.length, error: String((e as Error)?.message ?? e).slice(0, 200) }));
    }
  }
  if (o.sender !== me) return; // a fresh sender took over
  o.sender = 0;
  if (o.queued.length === 0) outgoing.delete(shard);
}

export type Claim =
  | { readonly kind: "claimed"; settle(delivered: boolean, now: number): Promise<void> }
  | { readonly kind: "duplicate"; readonly key: string }
  | Rejection;

/** Claims all of an event's keys, one call per shard that holds some; a refusal by any shard undoes the others' claims. */
export async function claimDelivery(
  env: Env,
  route: CompiledRoute,
  settings: DedupSettings,
  keys: readonly string[],
  now: number,
  ctx: Pick<ExecutionContext, "waitUntil">,
): Promise<Claim> {
  const retention = retentionMs(route, settings);
  const byShard = new Map<string, string[]>();
  for (const key of keys) {
    const name = await shardName(route.id, key, settings.shards);
    const group = byShard.get(name) ?? byShard.set(name, []).get(name)!;
    group.push(key);
  }
  const groups = [...byShard].map(([name, own]) => ({ name, keys: own, peers: keys.filter((k) => !own.includes(k)) }));
  const options = { now, leaseMs: route.config.originTimeoutMs + LEASE_MARGIN_MS, retentionMs: retention };
  const outcomes = await Promise.all(groups.map((g) => shardStub(env, g.name).claim(g.keys, options, g.peers)));
  const refused = outcomes.find((o) => o.status === "duplicate") ?? outcomes.find((o) => o.status === "in_flight");
  const settle = (delivered: boolean, at: number, among = groups) =>
    Promise.all(among.map((g) => settleLater(env, g.name, { keys: g.keys, peers: g.peers, delivered, at, retentionMs: retention }))).then(() => {});
  if (refused) {
    // Shards that did claim let go: the event is not being delivered by this request.
    const claimed = groups.filter((_, i) => outcomes[i]!.status === "claimed");
    // In the background: the answer need not wait for other requests' settlements sent with it.
    if (claimed.length > 0) ctx.waitUntil(settle(false, now, claimed));
    if (refused.status === "duplicate") return { kind: "duplicate", key: keys[0]! };
    return { code: "delivery_in_flight", retryAfterSeconds: Math.max(1, Math.ceil(refused.retryAfterMs / 1000)) };
  }
  return { kind: "claimed", settle: (delivered, at) => settle(delivered, at) };
}
