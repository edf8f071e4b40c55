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
import type { DedupShard } from "../durable/dedup-shard";
import type { Env } from "../env";
import { bytesToHex, concatBytes, utf8 } from "../lib/encoding";
import { sha256 } from "../lib/constant-time";
import type { Rejection } from "../lib/rejection";
import { stripQueryParams } from "./forward";

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

export async function shardFor(env: Env, routeId: string, key: string, shards: number): Promise<DurableObjectStub<DedupShard>> {
  const digest = await sha256(key);
  const shard = ((digest[0]! << 24) | (digest[1]! << 16) | (digest[2]! << 8) | digest[3]!) >>> 0;
  return env.DEDUP.get(env.DEDUP.idFromName(`dedup:${routeId}:${shard % shards}`));
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
): Promise<Claim> {
  const retention = retentionMs(route, settings);
  const byShard = new Map<string, { stub: DurableObjectStub<DedupShard>; keys: string[] }>();
  for (const key of keys) {
    const stub = await shardFor(env, route.id, key, settings.shards);
    const id = stub.id.toString();
    const group = byShard.get(id) ?? byShard.set(id, { stub, keys: [] }).get(id)!;
    group.keys.push(key);
  }
  const groups = [...byShard.values()];
  const options = { now, leaseMs: route.config.originTimeoutMs + LEASE_MARGIN_MS, retentionMs: retention };
  const outcomes = await Promise.all(groups.map((g) => g.stub.claim(g.keys, options, keys.filter((k) => !g.keys.includes(k)))));
  const refused = outcomes.find((o) => o.status === "duplicate") ?? outcomes.find((o) => o.status === "in_flight");
  const settle = (delivered: boolean, at: number, among = groups) =>
    Promise.all(among.map((g) => (delivered ? g.stub.commit(g.keys, at, retention) : g.stub.release(g.keys)))).then(() => {});
  if (refused) {
    // Shards that did claim let go: the event is not being delivered by this request.
    const claimed = groups.filter((_, i) => outcomes[i]!.status === "claimed");
    if (claimed.length > 0) await settle(false, now, claimed);
    if (refused.status === "duplicate") return { kind: "duplicate", key: keys[0]! };
    return { code: "delivery_in_flight", retryAfterSeconds: Math.max(1, Math.ceil(refused.retryAfterMs / 1000)) };
  }
  return { kind: "claimed", settle: (delivered, at) => settle(delivered, at) };
}

export type DedupStep =
  | { readonly kind: "off" | "claimed"; settle(delivered: boolean, now: number): Promise<void> }
  | { readonly kind: "duplicate"; readonly key: string }
  | Rejection;

export const DEDUP_OFF = { kind: "off" as const, settle: async () => {} };

/** The stage as the pipeline sees it: off, claimed (settle after forwarding), duplicate, or refused. */
export async function dedupStage(
  env: Env,
  route: CompiledRoute,
  request: { readonly method: string; readonly url: URL; readonly headers: Headers },
  body: Uint8Array,
  eventId: string | undefined,
  now: number,
): Promise<DedupStep> {
  const settings = route.config.dedup;
  if (!settings) return DEDUP_OFF;
  const keys = await deliveryKeys(settings, request, body, eventId, route);
  try {
    return await claimDelivery(env, route, settings, keys, now);
  } catch (e) {
    // The shard is unreachable: 503 makes the provider retry; forwarding unguarded could double-deliver.
    return { code: "store_unavailable", detail: `dedup: ${String((e as Error)?.message ?? e).slice(0, 200)}` };
  }
}
