/**
 * One instance per route (`delivery:<routeId>`): the events of that route that the
 * origin has not taken yet, kept in SQLite until it does. An alarm delivers them in
 * arrival order, retries with backoff (delivery/policy.ts), stops attempting while the
 * origin's circuit is open, and moves events that run out of attempts or age to the
 * dead letters, from which an operator replays them.
 *
 * Bodies larger than one SQLite value (2 MB) are split into 1 MiB chunks (chunks.ts).
 * A paused route's queue keeps everything and attempts nothing until it is resumed.
 * The route's config (origin, timeout, signing keys) is read through the same cached
 * store the worker uses, so no secret is copied into this object's storage.
 */
import { DurableObject } from "cloudflare:workers";
import type { CompiledDestination, CompiledRoute } from "../config/compile";
import { primaryIndex } from "../config/parse";
import { getRoute } from "../config/store";
import type { Env } from "../env";
import { HOOKGATE_HOP } from "../lib/headers";
import { logRequest } from "../observability/log";
import { eventLogFor } from "./event-log";
import { afterAttempt, CLOSED, isOpen, isProbing, type BreakerState } from "../delivery/breaker";
import { classify, nextAttemptAt, parseRetryAfter } from "../delivery/policy";
import { sendToOrigin } from "../delivery/send";
import { fetcherFor } from "../delivery/sinks";
import { CHUNK_BYTES, chunkTable, deleteChunks, readChunks, writeChunks } from "./chunks";
import { objectId } from "../lib/object-ids";

const BATCH = 25;
const DELIVERED_RETENTION_MS = 24 * 3600_000;
/** Expired events forgotten per alarm; the alarm re-arms while more remain. */
const EXPIRE_BATCH = 500;

export interface QueuedEvent {
  readonly id: string;
  readonly receivedAt: number;
  readonly method: string;
  readonly url: string;
  readonly headers: readonly (readonly [string, string])[];
  readonly body: Uint8Array;
  readonly providerEventId?: string;
  /** A FIFO destination's line ("" for one line for all); absent: delivered concurrently. */
  readonly orderingKey?: string;
}

export type EventState = "pending" | "delivered" | "dead";

export interface EventSummary {
  readonly id: string;
  readonly state: EventState;
  readonly receivedAt: number;
  readonly attempts: number;
  readonly nextAttemptAt: number | null;
  readonly lastStatus: number | null;
  readonly lastError: string | null;
  readonly providerEventId: string | null;
  readonly bodyBytes: number;
}

export interface ReplayResult {
  readonly replayed: number;
  /** Dry run: how many would be replayed, and the first 100 of them. */
  readonly wouldReplay?: number;
  readonly events?: EventSummary[];
}

export interface AttemptRecord {
  readonly n: number;
  readonly at: number;
  readonly status: number | null;
  readonly error: string | null;
  readonly durationMs: number;
}

type EventRow = {
  id: string;
  seq: number;
  state: EventState;
  received_at: number;
  next_attempt_at: number | null;
  attempts: number;
  method: string;
  url: string;
  headers: string;
  body_bytes: number;
  provider_event_id: string | null;
  last_status: number | null;
  last_error: string | null;
  expires_at: number | null;
  /** Attempts made before the last replay: the retry budget counts from here. */
  budget_from: number;
  ordering_key: string | null;
  body: ArrayBuffer | null;
};

const summary = (r: EventRow): EventSummary => ({
  id: r.id,
  state: r.state,
  receivedAt: r.received_at,
  attempts: r.attempts,
  nextAttemptAt: r.next_attempt_at,
  lastStatus: r.last_status,
  lastError: r.last_error,
  providerEventId: r.provider_event_id,
  bodyBytes: r.body_bytes,
});

/** A final outcome of an attempt, reported when the alarm's batch is done. */
interface Report {
  readonly event: EventRow;
  readonly decision: "delivered" | "dead_lettered";
  readonly attempt: number;
  readonly status: number | null;
  readonly reason: string | null;
  readonly latencyMs: number;
}

/** Origin answers up to this size are read to their end, so the connection goes back to the pool; larger ones are cancelled. */
const DRAINED_BODY_BYTES = 64 * 1024;
/** How long a slow answer body may take before it is cancelled: the attempt's outcome is already known from the status. */
const DRAIN_MS = 1000;

/**
 * The origin's answer body is not kept, but a cancelled body closes the connection (a new
 * one per attempt): read it to its end when it is small, with or without a Content-Length
 * (chunked answers have none), at most DRAINED_BODY_BYTES and DRAIN_MS; cancel past either.
 */
async function finishBody(response: Response): Promise<void> {
  if (!response.body) return;
  const reader = response.body.getReader();
  const declared = Number(response.headers.get("content-length") ?? NaN);
  if (declared > DRAINED_BODY_BYTES) return void (await reader.cancel().catch(() => {}));
  let deadline: ReturnType<typeof setTimeout> | undefined;
  try {
    deadline = setTimeout(() => void reader.cancel().catch(() => {}), DRAIN_MS);
    for (let read = 0; ; ) {
      const chunk = await reader.read();
      if (chunk.done) break;
      read += chunk.value.byteLength;
      if (read > DRAINED_BODY_BYTES) {
        await reader.cancel().catch(() => {});
        break;
      }
    }
  } catch {
    // a broken answer body changes nothing: the status decided the outcome
  } finally {
    clearTimeout(deadline);
  }
}

/** An event's body: in its row, or in `bodies` (a large one, or one stored before bodies moved into the row); null once delivered. */
const bodyOf = (sql: SqlStorage, row: { id: string; body: ArrayBuffer | null }): Uint8Array | null =>
  row.body !== null ? new Uint8Array(row.body) : readChunks(sql, "bodies", row.id);

/**
 * A destination's delivery queue object: the primary destination's (or a single origin's) is
 * the route's own `delivery:<routeId>`, so pause, dead letters and replay address it by route;
 * each other destination has `delivery:<routeId>/<destinationId>`.
 */
export const queueName = (routeId: string, destination?: string) => (destination ? `delivery:${routeId}/${destination}` : `delivery:${routeId}`);
export const queueFor = (env: Env, routeId: string, destination?: string) => env.DELIVERY.get(objectId(env.DELIVERY, queueName(routeId, destination)));

/** Every queue a route has: its own (the primary's), and one per destination besides the primary. */
export function queuesOf(env: Env, routeId: string, destinations: readonly { readonly id: string; readonly type?: string; readonly primary?: boolean }[] = []) {
  const primary = primaryIndex(destinations);
  return [queueFor(env, routeId), ...destinations.filter((d, i) => i !== primary && hasQueue(d)).map((d) => queueFor(env, routeId, d.id))];
}

/** Sinks (a Cloudflare Queue, R2) have no queue of the gateway's; HTTP and service destinations do. */
export const hasQueue = (d: { readonly type?: string }) => d.type === undefined || d.type === "http" || d.type === "service";

/** The destination a queue delivers for: as stored when the first event came, else (an older queue, or a destination since removed) the primary. */
export const destinationOf = (route: CompiledRoute, id: string | undefined): CompiledDestination =>
  (id !== undefined && route.destinations.find((d) => d.id === id)) || route.destinations[0]!;

export class DeliveryQueue extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  /** Injected by tests; Math.random in production. */
  random: () => number = Math.random;
  /**
   * Facts kept in memory once read, so an enqueue is two inserts and nothing else: the
   * route id as stored, the paused flag, the next sequence number and the alarm as last set
   * (null: none pending). This object is their only writer.
   */
  private routeIdKept = false;
  private pausedFlag: boolean | undefined;
  private nextSeq: number | undefined;
  private alarmAt: number | null | undefined;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(`
      CREATE TABLE IF NOT EXISTS events (
        id TEXT PRIMARY KEY, seq INTEGER NOT NULL UNIQUE, state TEXT NOT NULL,
        received_at INTEGER NOT NULL, next_attempt_at INTEGER, attempts INTEGER NOT NULL DEFAULT 0,
        method TEXT NOT NULL, url TEXT NOT NULL, headers TEXT NOT NULL, body_bytes INTEGER NOT NULL,
        provider_event_id TEXT, last_status INTEGER, last_error TEXT, expires_at INTEGER,
        budget_from INTEGER NOT NULL DEFAULT 0
      );
      CREATE INDEX IF NOT EXISTS events_due ON events (state, next_attempt_at);
      CREATE INDEX IF NOT EXISTS events_expiry ON events (expires_at) WHERE expires_at IS NOT NULL;
      ${chunkTable("bodies")}
      CREATE TABLE IF NOT EXISTS attempts (
        event_id TEXT NOT NULL, n INTEGER NOT NULL, at INTEGER NOT NULL, status INTEGER, error TEXT, duration_ms INTEGER NOT NULL,
        PRIMARY KEY (event_id, n)
      ) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS breaker (origin TEXT PRIMARY KEY, failures INTEGER NOT NULL, opens INTEGER NOT NULL, open_until INTEGER NOT NULL) WITHOUT ROWID;
    `);
    const columns = new Set(this.sql.exec<{ name: string }>("PRAGMA table_info(events)").toArray().map((c) => c.name));
    // Added with FIFO destinations: the line an event waits in (NULL: not ordered).
    if (!columns.has("ordering_key")) this.sql.exec("ALTER TABLE events ADD COLUMN ordering_key TEXT");
    // A body up to one chunk lives in its event's row (one insert per enqueue, not two); larger
    // ones, and those stored before this column, are in `bodies`. NULL once delivered.
    if (!columns.has("body")) this.sql.exec("ALTER TABLE events ADD COLUMN body BLOB");
    // The pending events of each line, in order: finding what an event waits behind reads only its line.
    this.sql.exec("CREATE INDEX IF NOT EXISTS events_line ON events (ordering_key, seq) WHERE state = 'pending' AND ordering_key IS NOT NULL");
  }

  // ---- writes from the pipeline -------------------------------------------------------

  /** Stores the event durably; when this returns, the gateway may answer the provider. `destination`: the route's destination this queue delivers for. */
  async enqueue(routeId: string, event: QueuedEvent, destination?: string): Promise<void> {
    if (!this.routeIdKept) {
      await this.ctx.storage.put(destination === undefined ? { routeId } : { routeId, destination });
      this.routeIdKept = true;
    }
    this.nextSeq ??= this.sql.exec<{ s: number }>("SELECT COALESCE(MAX(seq), 0) + 1 AS s FROM events").one().s;
    const seq = this.nextSeq++;
    const inline = event.body.byteLength <= CHUNK_BYTES;
    this.sql.exec(
      `INSERT INTO events (id, seq, state, received_at, next_attempt_at, method, url, headers, body_bytes, provider_event_id, ordering_key, body)
       VALUES (?, ?, 'pending', ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      event.id,
      seq,
      event.receivedAt,
      event.receivedAt,
      event.method,
      event.url,
      JSON.stringify(event.headers),
      event.body.byteLength,
      event.providerEventId ?? null,
      event.orderingKey ?? null,
      inline ? event.body : null,
    );
    if (!inline) writeChunks(this.sql, "bodies", event.id, event.body);
    // The event is due now: an alarm already set for now or earlier delivers it, nothing to compute.
    if (await this.paused()) return;
    if (this.alarmAt === undefined) this.alarmAt = await this.ctx.storage.getAlarm();
    const now = Date.now();
    if (this.alarmAt === null || this.alarmAt > now) await this.setAlarm(now);
  }

  // ---- the delivery loop --------------------------------------------------------------

  override async alarm(): Promise<void> {
    this.alarmAt = null; // this one has fired; armAlarm sets the next
    const now = Date.now();
    this.expire(now);
    if (await this.paused()) return this.armAlarm(Date.now());
    const kept = await this.ctx.storage.get<string>(["routeId", "destination"]);
    const routeId = kept.get("routeId");
    const route = routeId ? await getRoute(this.env, routeId, now) : null;
    const destination = route && route.kind !== "broken" ? destinationOf(route, kept.get("destination")) : undefined;
    const due = this.sql
      .exec<EventRow>("SELECT * FROM events WHERE state = 'pending' AND next_attempt_at <= ? ORDER BY seq LIMIT ?", now, BATCH)
      .toArray();

    const reports: Report[] = [];
    // FIFO lines that must wait in this run, and until when (their first event's next attempt).
    const held = new Map<string, number>();
    for (const event of due) {
      if (!route || route.kind === "broken" || !destination) {
        // No usable config: keep the event (it is not the event's fault), try again later.
        this.sql.exec("UPDATE events SET next_attempt_at = ?, last_error = ? WHERE id = ?", now + 60_000, "route missing or misconfigured", event.id);
        continue;
      }
      const line = event.ordering_key;
      if (line !== null) {
        const until = held.get(line) ?? this.waitingBehind(line, event.seq);
        if (until !== undefined) {
          // Behind an earlier event of its line: wakes with it, so the alarm never spins on it.
          this.sql.exec("UPDATE events SET next_attempt_at = MAX(next_attempt_at, ?) WHERE id = ?", until, event.id);
          held.set(line, until);
          continue;
        }
      }
      const origin = new URL(event.url).origin;
      const breaker = this.breaker(origin);
      if (isOpen(breaker, Date.now())) break; // wait; one probe when it half-opens
      const probing = isProbing(breaker, Date.now(), destination.breakerPolicy);
      const reached = await this.attempt(destination, event, origin, breaker, reports);
      if (line !== null) {
        // Still pending (it will be retried): the rest of its line waits for it.
        const after = this.sql.exec<{ next_attempt_at: number | null }>("SELECT next_attempt_at FROM events WHERE id = ? AND state = 'pending'", event.id).toArray()[0];
        if (after?.next_attempt_at != null) held.set(line, after.next_attempt_at);
      }
      if (probing && !reached) break;
    }
    if (route && route.kind !== "broken" && reports.length > 0) await this.report(route, destination!, reports);
    await this.armAlarm(Date.now());
  }

  /** When the first pending event ahead of `seq` in a FIFO line is next tried; undefined: none is ahead (a dead letter no longer holds the line). */
  private waitingBehind(line: string, seq: number): number | undefined {
    const ahead = this.sql
      .exec<{ at: number }>("SELECT next_attempt_at AS at FROM events WHERE state = 'pending' AND ordering_key = ? AND seq < ? ORDER BY seq LIMIT 1", line, seq)
      .toArray()[0];
    return ahead?.at;
  }

  /**
   * Forgets delivered and dead events past their retention, with their attempts and any
   * body they still hold (dead letters keep theirs for replay). Found through the expiry
   * index, a bounded number per alarm: the cost does not grow with what is kept.
   */
  private expire(now: number): void {
    const expired = this.sql
      .exec<{ id: string }>("DELETE FROM events WHERE id IN (SELECT id FROM events WHERE expires_at <= ? LIMIT ?) RETURNING id", now, EXPIRE_BATCH)
      .toArray();
    for (const { id } of expired) {
      deleteChunks(this.sql, "bodies", id);
      this.sql.exec("DELETE FROM attempts WHERE event_id = ?", id);
    }
  }

  /** One delivery attempt; true when the origin answered at all (any status). A final outcome is added to `reports`. */
  private async attempt(route: CompiledDestination, event: EventRow, origin: string, breaker: BreakerState, reports: Report[]): Promise<boolean> {
    const started = Date.now();
    const n = event.attempts + 1;
    const headers = new Headers(JSON.parse(event.headers) as [string, string][]);
    headers.set("x-hookgate-attempt", String(n));
    headers.set(HOOKGATE_HOP, "1");
    const body = bodyOf(this.sql, event) ?? new Uint8Array();

    let status: number | null = null;
    let error: string | null = null;
    let retryAfter: string | null = null;
    const send = fetcherFor(this.env, route);
    const sent = send
      ? await sendToOrigin({ id: event.id, url: event.url, method: event.method, headers, body }, route.signer, route.originTimeoutMs, started, send)
      : ({ ok: false, timeout: false, error: `no service binding "${route.binding}"` } as const);
    if (sent.ok) {
      status = sent.response.status;
      retryAfter = sent.response.headers.get("retry-after");
      await finishBody(sent.response);
    } else {
      error = sent.timeout ? "timeout" : sent.error;
    }
    const now = Date.now();
    this.sql.exec("INSERT OR REPLACE INTO attempts (event_id, n, at, status, error, duration_ms) VALUES (?, ?, ?, ?, ?, ?)", event.id, n, started, status, error, now - started);

    const outcome = classify(status);
    const reached = status !== null && status < 500;
    this.recordBreaker(origin, breaker, reached, now, route);
    if (outcome === "delivered") {
      this.finish(event.id, "delivered", n, status, null, now + DELIVERED_RETENTION_MS);
      if (event.body === null) deleteChunks(this.sql, "bodies", event.id);
      reports.push({ event, decision: "delivered", attempt: n, status, reason: null, latencyMs: now - started });
      return true;
    }
    const policy = route.retryPolicy;
    const next =
      outcome === "permanent" ? null : nextAttemptAt(policy, event.received_at, n - event.budget_from, now, parseRetryAfter(retryAfter, now), this.random());
    if (next === null) {
      const why = error ?? (outcome === "permanent" ? `permanent status ${status}` : "attempts or age exhausted");
      this.finish(event.id, "dead", n, status, why, now + route.deadLetterRetentionMs);
      reports.push({ event, decision: "dead_lettered", attempt: n, status, reason: why, latencyMs: now - started });
    } else {
      this.sql.exec("UPDATE events SET attempts = ?, next_attempt_at = ?, last_status = ?, last_error = ? WHERE id = ?", n, next, status, error, event.id);
    }
    return reached;
  }

  /** Final outcomes go to the log line and the route's event log, like a request's: one log write per alarm, not one per event. */
  private async report(route: CompiledRoute, destination: CompiledDestination, reports: readonly Report[]): Promise<void> {
    const entries = reports.map(({ event, decision, attempt, status, reason, latencyMs }) => {
      const line = {
        requestId: event.id,
        route: route.id,
        method: event.method,
        path: new URL(event.url).pathname,
        decision,
        status: status ?? 0,
        latencyMs,
        attempt,
        messageId: event.id,
        ...(status !== null && { originStatus: status }),
        ...(reason && { reason }),
        ...(event.provider_event_id && { eventId: event.provider_event_id }),
        ...(route.fanOut && { destinations: destination.id }),
      };
      logRequest(line);
      return { ...line, at: Date.now() };
    });
    const o = route.config.observability;
    await eventLogFor(this.env, route.id)
      .append(route.id, entries, { maxAgeMs: o.retentionSeconds * 1000, maxEntries: o.maxEvents })
      .catch(() => {}); // the log is for people; it never blocks delivery
  }

  private finish(id: string, state: EventState, attempts: number, status: number | null, error: string | null, expiresAt: number): void {
    this.sql.exec(
      // A delivered event's body goes at once (a dead letter keeps it for replay).
      `UPDATE events SET state = ?, attempts = ?, next_attempt_at = NULL, last_status = ?, last_error = ?, expires_at = ?${state === "delivered" ? ", body = NULL" : ""} WHERE id = ?`,
      state,
      attempts,
      status,
      error,
      expiresAt,
      id,
    );
  }

  // ---- circuit breaker, per origin (delivery/breaker.ts) ---------------------------------

  private breaker(origin: string): BreakerState {
    const row = this.sql
      .exec<{ failures: number; opens: number; open_until: number }>("SELECT failures, opens, open_until FROM breaker WHERE origin = ?", origin)
      .toArray()[0];
    return row ? { failures: row.failures, opens: row.opens, openUntil: row.open_until } : CLOSED;
  }

  private recordBreaker(origin: string, before: BreakerState, reached: boolean, now: number, route: CompiledDestination): void {
    const next = afterAttempt(before, reached, now, route.breakerPolicy);
    if (next === CLOSED && before === CLOSED) return; // no row, none to write
    if (next === CLOSED) this.sql.exec("DELETE FROM breaker WHERE origin = ?", origin);
    else this.sql.exec("INSERT OR REPLACE INTO breaker (origin, failures, opens, open_until) VALUES (?, ?, ?, ?)", origin, next.failures, next.opens, next.openUntil);
  }

  private async paused(): Promise<boolean> {
    this.pausedFlag ??= (await this.ctx.storage.get<boolean>("paused")) === true;
    return this.pausedFlag;
  }

  private async setAlarm(at: number): Promise<void> {
    await this.ctx.storage.setAlarm(at);
    this.alarmAt = at;
  }

  private async armAlarm(now: number): Promise<void> {
    // Paused: only expiry wakes the object; pending events wait for resume.
    const pending = (await this.paused())
      ? null
      : this.sql.exec<{ at: number | null }>("SELECT MIN(next_attempt_at) AS at FROM events WHERE state = 'pending'").one().at;
    const openUntil = this.sql.exec<{ at: number | null }>("SELECT MAX(open_until) AS at FROM breaker").one().at ?? 0;
    const expiry = this.sql.exec<{ at: number | null }>("SELECT MIN(expires_at) AS at FROM events WHERE expires_at IS NOT NULL").one().at;
    const candidates = [pending === null ? null : Math.max(pending, openUntil), expiry].filter((t): t is number => t !== null);
    if (candidates.length === 0) return;
    const at = Math.max(now, Math.min(...candidates));
    if (this.alarmAt === undefined) this.alarmAt = await this.ctx.storage.getAlarm();
    if (this.alarmAt === null || this.alarmAt > at) await this.setAlarm(at);
  }

  // ---- operator API ---------------------------------------------------------------------

  /**
   * Pause: nothing is attempted, everything is kept (the pipeline queues a paused route's
   * events here). Resume: pending events are attempted again, oldest first. Returns how
   * many are pending.
   */
  async setPaused(paused: boolean): Promise<number> {
    if (paused) await this.ctx.storage.put("paused", true);
    else await this.ctx.storage.delete("paused");
    this.pausedFlag = paused;
    await this.armAlarm(Date.now());
    return this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM events WHERE state = 'pending'").one().n;
  }

  /** An event's exact request (unmasked), while the queue still holds its body. */
  async raw(id: string): Promise<{ method: string; url: string; headers: [string, string][]; body: Uint8Array; receivedAt: number } | null> {
    const row = this.sql.exec<EventRow>("SELECT * FROM events WHERE id = ?", id).toArray()[0];
    const body = row && bodyOf(this.sql, row);
    if (!row || !body) return null;
    return { method: row.method, url: row.url, headers: JSON.parse(row.headers) as [string, string][], body, receivedAt: row.received_at };
  }

  async list(state: EventState, limit = 100): Promise<EventSummary[]> {
    return this.sql.exec<EventRow>("SELECT * FROM events WHERE state = ? ORDER BY seq DESC LIMIT ?", state, limit).toArray().map(summary);
  }

  async inspect(id: string): Promise<{ event: EventSummary; headers: [string, string][]; attempts: AttemptRecord[] } | null> {
    const row = this.sql.exec<EventRow>("SELECT * FROM events WHERE id = ?", id).toArray()[0];
    if (!row) return null;
    const attempts = this.sql
      .exec<{ n: number; at: number; status: number | null; error: string | null; duration_ms: number }>("SELECT * FROM attempts WHERE event_id = ? ORDER BY n", id)
      .toArray()
      .map((a) => ({ n: a.n, at: a.at, status: a.status, error: a.error, durationMs: a.duration_ms }));
    return { event: summary(row), headers: JSON.parse(row.headers) as [string, string][], attempts };
  }

  /**
   * Dead letters back to pending with a fresh retry budget (earlier attempts stay on record):
   * the given ids, or every one received in [since, until). A dry run changes nothing and
   * says what would be sent (the count, and the first 100).
   */
  async replay(selection: readonly string[] | { since?: number; until?: number }, dryRun = false): Promise<ReplayResult> {
    const now = Date.now();
    const byIds = Array.isArray(selection);
    const range = byIds ? {} : (selection as { since?: number; until?: number });
    const where = byIds
      ? ` AND id IN (${(selection as readonly string[]).map(() => "?").join(",") || "NULL"})`
      : " AND received_at >= ? AND received_at < ?";
    const args = byIds ? [...(selection as readonly string[])] : [range.since ?? 0, range.until ?? Number.MAX_SAFE_INTEGER];
    if (dryRun) {
      const rows = this.sql.exec<EventRow>(`SELECT * FROM events WHERE state = 'dead'${where} ORDER BY seq`, ...args).toArray();
      return { replayed: 0, wouldReplay: rows.length, events: rows.slice(0, 100).map(summary) };
    }
    // RETURNING counts events; rowsWritten would count index entries too.
    const n = this.sql
      .exec(
        `UPDATE events SET state = 'pending', budget_from = attempts, next_attempt_at = ?, received_at = ?, expires_at = NULL WHERE state = 'dead'${where} RETURNING id`,
        now,
        now,
        ...args,
      )
      .toArray().length;
    if (n > 0) await this.armAlarm(now);
    return { replayed: n };
  }

  async counts(): Promise<Record<EventState, number>> {
    const out: Record<EventState, number> = { pending: 0, delivered: 0, dead: 0 };
    for (const r of this.sql.exec<{ state: EventState; n: number }>("SELECT state, COUNT(*) AS n FROM events GROUP BY state")) out[r.state] = r.n;
    return out;
  }
}
