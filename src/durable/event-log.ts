/**
 * One instance per route (`log:<routeId>`): the route's recent events as the gateway saw
 * them (decision, reason, statuses, latency, masked headers, the body only where the route
 * opts in), searchable by event id and time, trimmed by age and count on every write.
 * It also watches the entries it is given and posts alerts (observability/alerts.ts), with a
 * cool-down per kind so an incident sends a few messages, not thousands.
 * Writes arrive in batches from each isolate (lib/event-sink.ts): one commit per batch.
 */
import { DurableObject } from "cloudflare:workers";
import { getRoute } from "../config/store";
import { alertMessage, type AlertKind, postAlert } from "../observability/alerts";
import type { Env } from "../env";
import { objectId } from "../lib/object-ids";

export interface LogEntry {
  readonly at: number;
  readonly requestId: string;
  readonly decision: string;
  readonly reason?: string;
  readonly status: number;
  readonly originStatus?: number;
  readonly latencyMs: number;
  readonly eventId?: string;
  readonly messageId?: string;
  readonly verifiedBy?: string;
  /** Observe mode: the check that would have refused this request. */
  readonly observed?: string;
  readonly attempt?: number;
  /** A route with several destinations: what each did with the event ("billing=forwarded,crm=queued"), or the queue's destination. */
  readonly destinations?: string;
  readonly method: string;
  readonly path: string;
  readonly headers?: readonly (readonly [string, string])[];
  readonly body?: Uint8Array;
}

export interface StoredEntry extends Omit<LogEntry, "body"> {
  readonly seq: number;
  readonly bodyBytes: number;
  readonly body?: string;
}

export interface SearchQuery {
  readonly eventId?: string;
  readonly decision?: string;
  readonly since?: number;
  readonly until?: number;
  readonly limit?: number;
}

export interface Retention {
  readonly maxAgeMs: number;
  readonly maxEntries: number;
}

export interface SummaryBucket {
  readonly bucket: number;
  readonly decision: string;
  readonly count: number;
  readonly avgLatencyMs: number;
}

type Row = {
  seq: number;
  at: number;
  request_id: string;
  decision: string;
  reason: string | null;
  status: number;
  origin_status: number | null;
  latency_ms: number;
  event_id: string | null;
  message_id: string | null;
  verified_by: string | null;
  observed: string | null;
  attempt: number | null;
  destinations: string | null;
  method: string;
  path: string;
  headers: string | null;
  body: ArrayBuffer | null;
};

const decoder = new TextDecoder();

/** Refusals kept per route, newest first; older ones are counted in the log line and metrics only. */
export const MAX_REFUSED_ENTRIES = 1000;
/** Stored header bytes per entry (names and values as JSON); a refusal's headers are a stranger's, so they get less room. */
export const MAX_HEADER_BYTES = 16 * 1024;
export const MAX_REFUSED_HEADER_BYTES = 2 * 1024;
const MAX_FIELD_CHARS = 2048;
const MAX_HEADER_VALUE_CHARS = 512;

/**
 * Entries anyone could have caused: refusals, and handshakes answered without a verified
 * signature (Graph's validationToken, Dropbox's challenge, …). They share the refusals'
 * bounded part of the log (review finding: a flood of unsigned handshakes evicted every
 * genuine event, being kept and trimmed with them), and what observe mode forwarded
 * unverified (strangers could otherwise evict genuine events while a route is observed).
 */
const fromStranger = (e: LogEntry) => e.decision === "rejected" || (e.decision === "handshake" && !e.verifiedBy) || e.observed !== undefined;

/** Headers as stored: each value cut to a bounded length, and headers past the byte budget left out (with a count). */
function storedHeaders(headers: readonly (readonly [string, string])[], budget: number): string {
  const kept: [string, string][] = [];
  let used = 2;
  for (const [i, [name, value]] of headers.entries()) {
    const v = value.length > MAX_HEADER_VALUE_CHARS ? `${value.slice(0, MAX_HEADER_VALUE_CHARS)}… [${value.length} chars]` : value;
    const cost = name.length + v.length + 8;
    if (used + cost > budget) {
      kept.push(["x-hookgate-omitted", `${headers.length - i} more headers`]);
      break;
    }
    kept.push([name, v]);
    used += cost;
  }
  return JSON.stringify(kept);
}

function toEntry(r: Row, withBody: boolean): StoredEntry {
  const opt = <T>(v: T | null) => v ?? undefined;
  return {
    seq: r.seq,
    at: r.at,
    requestId: r.request_id,
    decision: r.decision,
    reason: opt(r.reason),
    status: r.status,
    originStatus: opt(r.origin_status),
    latencyMs: r.latency_ms,
    eventId: opt(r.event_id),
    messageId: opt(r.message_id),
    verifiedBy: opt(r.verified_by),
    observed: opt(r.observed),
    attempt: opt(r.attempt),
    destinations: opt(r.destinations),
    method: r.method,
    path: r.path,
    headers: r.headers ? (JSON.parse(r.headers) as [string, string][]) : undefined,
    bodyBytes: r.body?.byteLength ?? 0,
    body: withBody && r.body ? decoder.decode(r.body) : undefined,
  };
}

/** The route's event log object. */
export const eventLogFor = (env: Env, routeId: string) => env.EVENT_LOG.get(objectId(env.EVENT_LOG, `log:${routeId}`));

export class EventLog extends DurableObject<Env> {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(`
      CREATE TABLE IF NOT EXISTS entries (
        seq INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, request_id TEXT NOT NULL, decision TEXT NOT NULL,
        reason TEXT, status INTEGER NOT NULL, origin_status INTEGER, latency_ms INTEGER NOT NULL, event_id TEXT,
        message_id TEXT, verified_by TEXT, observed TEXT, attempt INTEGER, method TEXT NOT NULL, path TEXT NOT NULL,
        headers TEXT, body BLOB
      );
      CREATE INDEX IF NOT EXISTS entries_at ON entries (at);
      -- No index on event_id or message_id: search ORs them with request_id, so SQLite scans
      -- (at most maxEvents + 1000 rows) either way, and each index cost a write per entry.
      DROP INDEX IF EXISTS entries_event;
      DROP INDEX IF EXISTS entries_message;
      CREATE TABLE IF NOT EXISTS alerts_sent (kind TEXT PRIMARY KEY, at INTEGER NOT NULL) WITHOUT ROWID;
    `);
    // Added after the first release: refusals are kept and trimmed apart from accepted events.
    if (!this.sql.exec<{ name: string }>("PRAGMA table_info(entries)").toArray().some((c) => c.name === "refused")) {
      this.sql.exec("ALTER TABLE entries ADD COLUMN refused INTEGER NOT NULL DEFAULT 0");
      this.sql.exec("UPDATE entries SET refused = 1 WHERE decision = 'rejected'");
    }
    this.sql.exec("CREATE INDEX IF NOT EXISTS entries_kind ON entries (refused, seq)");
    // Added with destinations.
    if (!this.sql.exec<{ name: string }>("PRAGMA table_info(entries)").toArray().some((c) => c.name === "destinations")) {
      this.sql.exec("ALTER TABLE entries ADD COLUMN destinations TEXT");
    }
  }

  /** Rows per kind (0 accepted, 1 from strangers), counted once when the object wakes and kept exact after, so trimming never scans the kept rows. */
  private counts: [number, number] | undefined;
  private routeIdKept = false;

  private rowCounts(): [number, number] {
    if (this.counts) return this.counts;
    const counts: [number, number] = [0, 0];
    for (const r of this.sql.exec<{ refused: number; n: number }>("SELECT refused, COUNT(*) AS n FROM entries GROUP BY refused")) counts[r.refused ? 1 : 0] = r.n;
    return (this.counts = counts);
  }

  async append(routeId: string, entries: readonly LogEntry[], retention: Retention): Promise<void> {
    if (!this.routeIdKept) {
      await this.ctx.storage.put("routeId", routeId);
      this.routeIdKept = true;
    }
    const counts = this.rowCounts();
    try {
      this.write(entries, retention, counts);
    } catch (e) {
      this.counts = undefined; // counted again on the next write rather than trusted after a failure
      throw e;
    }
    await this.checkAlerts(routeId, Date.now());
  }

  private write(entries: readonly LogEntry[], retention: Retention, counts: [number, number]): void {
    for (const e of entries) {
      const refused = fromStranger(e);
      this.sql.exec(
        `INSERT INTO entries (at, request_id, decision, reason, status, origin_status, latency_ms, event_id, message_id,
           verified_by, observed, attempt, method, path, headers, body, refused, destinations) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        e.at,
        e.requestId,
        e.decision,
        e.reason ?? null,
        e.status,
        e.originStatus ?? null,
        e.latencyMs,
        e.eventId ?? null,
        e.messageId ?? null,
        e.verifiedBy ?? null,
        e.observed ?? null,
        e.attempt ?? null,
        e.method.slice(0, MAX_FIELD_CHARS),
        e.path.slice(0, MAX_FIELD_CHARS),
        e.headers ? storedHeaders(e.headers, refused ? MAX_REFUSED_HEADER_BYTES : MAX_HEADER_BYTES) : null,
        // A refused request's body is a stranger's: never kept. Observe mode keeps the bodies
        // it forwarded unverified (the route opted in, to see why they failed), in the refusals' share.
        refused && e.observed === undefined ? null : (e.body ?? null),
        refused ? 1 : 0,
        e.destinations ?? null,
      );
      counts[refused ? 1 : 0]++;
    }
    const now = Date.now();
    for (const r of this.sql.exec<{ refused: number }>("DELETE FROM entries WHERE at < ? RETURNING refused", now - retention.maxAgeMs)) counts[r.refused ? 1 : 0]--;
    // Accepted events and refusals are trimmed apart: a flood of refused requests never evicts a genuine event.
    // The oldest rows past the bound go, found from the low end of the index: the cost is the rows removed, not the rows kept.
    const keep = (refused: 0 | 1, n: number) => {
      const excess = counts[refused] - n;
      if (excess <= 0) return;
      this.sql.exec("DELETE FROM entries WHERE seq IN (SELECT seq FROM entries WHERE refused = ? ORDER BY seq LIMIT ?)", refused, excess);
      counts[refused] = n;
    };
    keep(0, retention.maxEntries);
    keep(1, Math.min(retention.maxEntries, MAX_REFUSED_ENTRIES));
  }

  async search(q: SearchQuery): Promise<StoredEntry[]> {
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (q.eventId) {
      where.push("(event_id = ? OR message_id = ? OR request_id = ?)");
      args.push(q.eventId, q.eventId, q.eventId);
    }
    if (q.decision) {
      where.push("decision = ?");
      args.push(q.decision);
    }
    if (q.since !== undefined && Number.isFinite(q.since)) {
      where.push("at >= ?");
      args.push(q.since);
    }
    if (q.until !== undefined && Number.isFinite(q.until)) {
      where.push("at <= ?");
      args.push(q.until);
    }
    const limit = Number.isFinite(q.limit) ? Math.min(Math.max(Math.trunc(q.limit!), 1), 1000) : 100;
    const sql = `SELECT * FROM entries ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY seq DESC LIMIT ?`;
    return this.sql.exec<Row>(sql, ...args, limit).toArray().map((r) => toEntry(r, false));
  }

  /** An entry with its stored body as bytes (a replay sends them; `get` gives them as text). */
  async raw(seq: number): Promise<{ entry: StoredEntry; body: Uint8Array | null } | null> {
    const row = this.sql.exec<Row>("SELECT * FROM entries WHERE seq = ?", seq).toArray()[0];
    return row ? { entry: toEntry(row, false), body: row.body ? new Uint8Array(row.body) : null } : null;
  }

  async get(seq: number): Promise<StoredEntry | null> {
    const row = this.sql.exec<Row>("SELECT * FROM entries WHERE seq = ?", seq).toArray()[0];
    return row ? toEntry(row, true) : null;
  }

  /** Counts and mean latency per decision per time bucket, for the dashboard's charts. */
  async summary(since: number, bucketMs: number): Promise<SummaryBucket[]> {
    return this.sql
      .exec<{ bucket: number; decision: string; count: number; avg: number }>(
        "SELECT CAST(at / ? AS INTEGER) * ? AS bucket, decision, COUNT(*) AS count, AVG(latency_ms) AS avg FROM entries WHERE at >= ? GROUP BY bucket, decision ORDER BY bucket",
        bucketMs,
        bucketMs,
        since,
      )
      .toArray()
      .map((r) => ({ bucket: r.bucket, decision: r.decision, count: r.count, avgLatencyMs: Math.round(r.avg) }));
  }

  /**
   * What each destination did since `since`, counted from the kept entries: a request's
   * `billing=forwarded:200,ci=filtered` and a queue's `billing` with its decision (delivered,
   * dead_lettered). Rows with the same text are counted together by SQLite.
   */
  async destinationCounts(since: number): Promise<Record<string, Record<string, number>>> {
    const counts: Record<string, Record<string, number>> = {};
    const rows = this.sql.exec<{ destinations: string; decision: string; n: number }>(
      "SELECT destinations, decision, COUNT(*) AS n FROM entries WHERE at >= ? AND destinations IS NOT NULL GROUP BY destinations, decision",
      since,
    );
    for (const r of rows) {
      for (const part of r.destinations.split(",")) {
        const at = part.indexOf("=");
        const id = at < 0 ? part : part.slice(0, at);
        const outcome = (at < 0 ? r.decision : part.slice(at + 1)).split(":")[0]!;
        const own = (counts[id] ??= {});
        own[outcome] = (own[outcome] ?? 0) + r.n;
      }
    }
    return counts;
  }

  private async checkAlerts(routeId: string, now: number): Promise<void> {
    const route = await getRoute(this.env, routeId, now);
    if (!route || route.kind !== "route" || !route.config.alerts || route.alertTargets.length === 0) return;
    const rules = route.config.alerts;
    const since = now - rules.windowSeconds * 1000;
    const count = (where: string) => this.sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM entries WHERE at >= ? AND ${where}`, since).one().n;
    const checks: [AlertKind, number, number][] = [
      ["origin_failing", count("(origin_status >= 500 OR reason LIKE 'origin_%')"), rules.originFailures],
      ["rejections_spike", count("decision = 'rejected'"), rules.rejections],
      ["dead_letters", count("decision = 'dead_lettered'"), rules.deadLetters],
    ];
    for (const [kind, n, threshold] of checks) {
      if (n < threshold) continue;
      const last = this.sql.exec<{ at: number }>("SELECT at FROM alerts_sent WHERE kind = ?", kind).toArray()[0]?.at ?? 0;
      if (now - last < rules.cooldownSeconds * 1000) continue;
      this.sql.exec("INSERT OR REPLACE INTO alerts_sent (kind, at) VALUES (?, ?)", kind, now);
      const message = alertMessage(routeId, kind, n, rules.windowSeconds, now);
      this.ctx.waitUntil(Promise.all(route.alertTargets.map((t) => postAlert(t, message))));
    }
  }
}
