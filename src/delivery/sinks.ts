/**
 * Cloudflare-native destinations: a Cloudflare Queue (producer binding), an R2 bucket that
 * archives each verified event, and a Worker behind a service binding (sent to like an
 * origin, through send.ts). Bindings are named in route config and looked up in the
 * environment when used: a binding wrangler.toml does not declare fails that destination
 * (503 to the provider, who retries), never the check of the event.
 */
import { bytesToBase64 } from "../lib/encoding";
import type { OriginRequest } from "./send";

/** Cloudflare Queues takes messages up to 128 KB; the envelope and base64 need room, so bodies above this go to R2. */
export const MAX_INLINE_BODY_BYTES = 90 * 1024;

/** What a sink needs of a destination (config/compile.ts resolves it). */
export interface SinkTarget {
  readonly kind: "http" | "service" | "queue" | "r2";
  readonly url: string | undefined;
  readonly binding: string | undefined;
  readonly prefix: string | undefined;
  readonly bodyBucket: string | undefined;
}
type CompiledDestination = SinkTarget;

/** What the gateway knows about an event, written beside it in a sink. */
export interface EventMeta {
  readonly route: string;
  readonly destination: string;
  readonly messageId: string;
  readonly eventId?: string;
  readonly receivedAt: number;
  readonly verifiedBy: readonly string[];
}

export type SinkResult = { readonly ok: true } | { readonly ok: false; readonly error: string };

/** A binding by its configured name, if the environment has one of the expected kind. */
function binding<T>(env: object, name: string | undefined, has: string): T | undefined {
  const value = name === undefined ? undefined : (env as Record<string, unknown>)[name];
  return value !== null && typeof value === "object" && has in value ? (value as T) : undefined;
}

/** How a destination's requests are sent: a service binding's fetch, or the network's. */
export function fetcherFor(env: object, d: CompiledDestination): typeof fetch | undefined {
  if (d.kind !== "service") return fetch;
  const service = binding<Fetcher>(env, d.binding, "fetch");
  return service && ((input, init) => service.fetch(input as RequestInfo, init));
}

/** A service destination's request URL: its `url`, else the binding's name as host (the Worker sees only the path). */
export const serviceBase = (d: CompiledDestination) => d.url ?? `https://${d.binding!.toLowerCase().replace(/_/g, "-")}.service`;

/** The archive's keys for an event: its bytes, and the metadata object beside them. */
export function archiveKey(d: Pick<CompiledDestination, "prefix">, route: string, receivedAt: number, messageId: string): string {
  return (d.prefix ?? "") + [route, new Date(receivedAt).toISOString().slice(0, 10), messageId].join("/");
}

/** The metadata object of an archived event: enough to send it again to any destination. */
export interface Archived extends EventMeta {
  readonly method: string;
  readonly url: string;
  readonly headers: [string, string][];
  readonly bodyBytes: number;
}

/**
 * Archives the verified event: its exact bytes under the key, its metadata beside it as
 * `<key>.json`. Both are written before the gateway tries any other destination.
 */
export async function archive(env: object, d: CompiledDestination, req: OriginRequest, meta: EventMeta): Promise<SinkResult> {
  const bucket = binding<R2Bucket>(env, d.binding, "put");
  if (!bucket) return { ok: false, error: `no R2 binding "${d.binding}" (wrangler.toml [[r2_buckets]])` };
  const key = archiveKey(d, meta.route, meta.receivedAt, meta.messageId);
  const record: Archived = { ...meta, method: req.method, url: req.url, headers: [...req.headers], bodyBytes: req.body.byteLength };
  try {
    await Promise.all([
      bucket.put(key, req.body, { httpMetadata: { contentType: req.headers.get("content-type") ?? "application/octet-stream" } }),
      bucket.put(`${key}.json`, JSON.stringify(record), { httpMetadata: { contentType: "application/json" } }),
    ]);
    return { ok: true };
  } catch (e) {
    return { ok: false, error: `r2: ${String((e as Error)?.message ?? e).slice(0, 200)}` };
  }
}

/** The message a queue destination's consumer receives (`v` 1); the body inline (base64) or in R2 under `bodyKey`. */
export interface QueueMessage extends EventMeta {
  readonly v: 1;
  readonly method: string;
  readonly url: string;
  readonly headers: [string, string][];
  readonly body?: string;
  readonly bodyBucket?: string;
  readonly bodyKey?: string;
}

/** Sends the event to the destination's Cloudflare Queue; when this resolves, the queue holds it. */
export async function sendToQueue(env: object, d: CompiledDestination, req: OriginRequest, meta: EventMeta): Promise<SinkResult> {
  const queue = binding<Queue>(env, d.binding, "send");
  if (!queue) return { ok: false, error: `no queue binding "${d.binding}" (wrangler.toml [[queues.producers]])` };
  const common = { v: 1 as const, ...meta, method: req.method, url: req.url, headers: [...req.headers] };
  let message: QueueMessage;
  try {
    if (req.body.byteLength <= MAX_INLINE_BODY_BYTES) {
      message = { ...common, body: bytesToBase64(req.body) };
    } else {
      // Over a message's limit: the body goes to R2 first, the message carries its key.
      const bucket = binding<R2Bucket>(env, d.bodyBucket, "put");
      if (!bucket) return { ok: false, error: `body of ${req.body.byteLength} bytes is over a queue message's limit and the destination has no bodyBucket` };
      const bodyKey = ["queue-bodies", meta.route, meta.destination, meta.messageId].join("/");
      await bucket.put(bodyKey, req.body);
      message = { ...common, bodyBucket: d.bodyBucket, bodyKey };
    }
    await queue.send(message, { contentType: "json" });
    return { ok: true };
  } catch (e) {
    return { ok: false, error: `queue: ${String((e as Error)?.message ?? e).slice(0, 200)}` };
  }
}
