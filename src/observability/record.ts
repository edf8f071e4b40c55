/**
 * What happened to a request goes to three places: one JSON log line (wrangler tail,
 * Workers Logs), the route's event log (a Durable Object, batched per isolate so a busy
 * route costs one write per batch, not one per request), and Workers Analytics Engine
 * when the METRICS binding is configured. None of them ever holds a secret, a token, a
 * query string or a full signature; bodies only where the route opts in.
 */
import type { CompiledRoute } from "../config/compile";
import { eventLogFor, type LogEntry } from "../durable/event-log";
import type { Env } from "../env";
import { logRequest, type RequestLog } from "./log";
import { maskBody, maskHeaders } from "./mask";

/** How long an isolate gathers entries before one write; 0 writes each request's entry at once. */
export const DEFAULT_FLUSH_MS = 250;
const MAX_BATCH = 100;
const MAX_STORED_BODY_BYTES = 64 * 1024;

interface Pending {
  entries: LogEntry[];
  timer: boolean;
}
const pending = new Map<string, Pending>();


async function flush(env: Env, route: CompiledRoute): Promise<void> {
  const batch = pending.get(route.id);
  if (!batch || batch.entries.length === 0) return;
  pending.delete(route.id);
  const o = route.config.observability;
  try {
    await eventLogFor(env, route.id).append(route.id, batch.entries, { maxAgeMs: o.retentionSeconds * 1000, maxEntries: o.maxEvents });
  } catch (e) {
    // The event log is for people; losing a batch must never fail a delivery.
    console.log(JSON.stringify({ msg: "event_log_write_failed", route: route.id, error: String((e as Error)?.message ?? e).slice(0, 200) }));
  }
}

/** Adds an entry to the route's event log, written with the next batch. */
export function recordEvent(env: Env, ctx: ExecutionContext, route: CompiledRoute, entry: LogEntry): void {
  let batch = pending.get(route.id);
  if (!batch) pending.set(route.id, (batch = { entries: [], timer: false }));
  batch.entries.push(entry);
  const delayMs = Number(env.EVENT_LOG_FLUSH_MS ?? DEFAULT_FLUSH_MS);
  if (delayMs <= 0 || batch.entries.length >= MAX_BATCH) {
    ctx.waitUntil(flush(env, route));
  } else if (!batch.timer) {
    batch.timer = true;
    ctx.waitUntil(new Promise((resolve) => setTimeout(resolve, delayMs)).then(() => flush(env, route)));
  }
}

export interface Recorded extends RequestLog {
  readonly messageId?: string;
  readonly observed?: string;
}

/**
 * Under a flood (pipeline/rate-limit.ts), the event log keeps the first `keptPerSecond`
 * refusals of each second per route and isolate, and one row saying how many more there
 * were; log lines and metrics still count every one. A flood then costs the event log a
 * bounded number of rows, and strangers cannot evict the genuine events' history faster.
 */
interface Sample {
  second: number;
  kept: number;
  skipped: number;
}
const samples = new Map<string, Sample>();

function admitRefusal(env: Env, ctx: ExecutionContext, route: CompiledRoute, at: number, keep: number, path: string): boolean {
  const second = Math.floor(at / 1000);
  let sample = samples.get(route.id);
  if (!sample || sample.second !== second) samples.set(route.id, (sample = { second, kept: 0, skipped: 0 }));
  if (sample.kept < keep) {
    sample.kept++;
    return true;
  }
  // The first refusal left out of this second writes the count when the second is over.
  if (sample.skipped++ === 0) ctx.waitUntil(summarize(env, ctx, route, sample, path));
  return false;
}

async function summarize(env: Env, ctx: ExecutionContext, route: CompiledRoute, sample: Sample, path: string): Promise<void> {
  const end = (sample.second + 1) * 1000;
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, end - Date.now())));
  recordEvent(env, ctx, route, {
    at: end - 1,
    requestId: `flood-${sample.second}`,
    decision: "rejected",
    status: 401,
    latencyMs: 0,
    method: "-",
    path,
    reason: `flood: ${sample.skipped} more refusals in this second not kept one by one (log lines and metrics count each)`,
  });
}

/** Everything the gateway keeps about one request; `keepRefusals`: under a flood, the refusals kept per second. */
export function record(
  env: Env,
  ctx: ExecutionContext,
  route: CompiledRoute | undefined,
  request: Request,
  body: Uint8Array | undefined,
  line: Recorded,
  keepRefusals?: number,
): void {
  logRequest(line);
  env.METRICS?.writeDataPoint({
    indexes: [line.route ?? "-"],
    blobs: [line.route ?? "-", line.decision, line.reason ?? "", line.verifiedBy ?? ""],
    doubles: [line.status, line.latencyMs, line.originStatus ?? 0],
  });
  if (!route) return;
  if (keepRefusals !== undefined && line.decision === "rejected" && !admitRefusal(env, ctx, route, Date.now(), keepRefusals, line.path)) return;
  const storeBody = route.config.observability.storeBodies && body && body.byteLength <= MAX_STORED_BODY_BYTES;
  recordEvent(env, ctx, route, {
    at: Date.now(),
    requestId: line.requestId,
    decision: line.decision,
    status: line.status,
    latencyMs: line.latencyMs,
    method: line.method,
    path: line.path,
    headers: maskHeaders([...request.headers], route.masking),
    ...(line.reason && { reason: line.reason }),
    ...(line.originStatus !== undefined && { originStatus: line.originStatus }),
    ...(line.eventId && { eventId: line.eventId }),
    ...(line.messageId && { messageId: line.messageId }),
    ...(line.verifiedBy && { verifiedBy: line.verifiedBy }),
    ...(line.observed && { observed: line.observed }),
    ...(line.destinations && { destinations: line.destinations }),
    ...(storeBody && { body: maskBody(body, route.masking) }),
  });
}
