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
  readonly kind: "http" | "service" | "queue" | "r2" | "workflow";
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

/** What a queue destination's consumer (or a workflow's instance, as its params) receives (`v` 1); the body inline (base64) or in R2 under `bodyKey`. */
export interface QueueMessage extends EventMeta {
  readonly v: 1;
  readonly method: string;
  readonly url: string;
  readonly headers: [string, string][];
  readonly body?: string;
  readonly bodyBucket?: string;
  readonly bodyKey?: string;
}

/** The message for a queue or workflow destination: the body inline, or (too large) written to R2 first and named by its key. */
async function messageOf(env: object, d: CompiledDestination, req: OriginRequest, meta: EventMeta): Promise<QueueMessage | string> {
  const common = { v: 1 as const, ...meta, method: req.method, url: req.url, headers: [...req.headers] };
  if (req.body.byteLength <= MAX_INLINE_BODY_BYTES) return { ...common, body: bytesToBase64(req.body) };
  const bucket = binding<R2Bucket>(env, d.bodyBucket, "put");
  if (!bucket) return `body of ${req.body.byteLength} bytes is over a message's limit and the destination has no bodyBucket`;
  const bodyKey = ["sink-bodies", meta.route, meta.destination, meta.messageId].join("/");
  await bucket.put(bodyKey, req.body);
  return { ...common, bodyBucket: d.bodyBucket, bodyKey };
}

/**
 * Hands the event to a Cloudflare Queue (`send`) or starts a Workflow instance with it as its
 * params (`create`, the instance id being the message id); when this resolves, Cloudflare holds it.
 */
export async function sendToSink(env: object, d: CompiledDestination, req: OriginRequest, meta: EventMeta): Promise<SinkResult> {
  const queue = d.kind === "queue" ? binding<Queue>(env, d.binding, "send") : undefined;
  const workflow = d.kind === "workflow" ? binding<Workflow>(env, d.binding, "create") : undefined;
  if (!queue && !workflow) return { ok: false, error: `no ${d.kind} binding "${d.binding}" (wrangler.toml ${d.kind === "queue" ? "[[queues.producers]]" : "[[workflows]]"})` };
  try {
    const message = await messageOf(env, d, req, meta);
    if (typeof message === "string") return { ok: false, error: message };
    if (queue) await queue.send(message, { contentType: "json" });
    else await workflow!.create({ id: meta.messageId, params: message });
    return { ok: true };
  } catch (e) {
    return { ok: false, error: `${d.kind}: ${String((e as Error)?.message ?? e).slice(0, 200)}` };
  }
}
