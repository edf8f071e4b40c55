/**
 * One instance holds the delivery keys of one shard of one route (`dedup:<route>:<n>`):
 * the single writer that makes "first arrival wins" exact, which KV (no compare-and-set,
 * eventually consistent) cannot. An alarm removes keys past retention, so storage stays
 * bounded by (deliveries per second) x (retention) per shard.
 *
 * A key is `in_flight` from claim until the origin's answer, then `delivered` (commit) or
 * gone (release). In-flight claims live in this single-threaded object's memory: a claim
 * writes nothing, so it costs a round trip and no disk commit. Only `delivered` is written,
 * in one transaction per settle call (the workers send settlements in batches). A restart
 * of this object forgets in-flight claims: a copy arriving then is forwarded too, an extra
 * delivery, never a lost one (README "Delivery guarantees"). A claim whose worker died is
 * taken over once its lease has passed.
 */
import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env";

export type ClaimOutcome =
  | { readonly status: "claimed" }
  | { readonly status: "duplicate"; readonly deliveredAt: number }
  | { readonly status: "in_flight"; readonly retryAfterMs: number };

export interface DeliveryRecord {
  readonly key: string;
  readonly state: "in_flight" | "delivered";
  readonly claimedAt: number;
  readonly leaseUntil: number;
  readonly expiresAt: number;
}

export interface ClaimOptions {
  readonly now: number;
  readonly leaseMs: number;
  readonly retentionMs: number;
}

type Row = { key: string; state: "in_flight" | "delivered"; claimed_at: number; lease_until: number; expires_at: number; peers: string | null };

const toRecord = (r: Row): DeliveryRecord => ({
  key: r.key,
  state: r.state,
  claimedAt: r.claimed_at,
  leaseUntil: r.lease_until,
  expiresAt: r.expires_at,
});

/** How the origin's answer settles an event's claim: its keys here, and its keys held by other shards. */
export interface Settlement {
  readonly keys: readonly string[];
  readonly peers: readonly string[];
  readonly delivered: boolean;
  readonly at: number;
  readonly retentionMs: number;
}

interface Held {
  readonly claimedAt: number;
  readonly leaseUntil: number;
  readonly expiresAt: number;
  readonly peers: readonly string[];
}

/** Held claims past this many are swept of passed leases (their workers died): memory stays bounded by the claims in flight. */
const SWEEP_AT = 10_000;

const LOOKUP_KEYS = 50;
/** A delivered key among n (still within its retention), in one statement per n. */
const deliveredAmong = new Map<number, string>();
const DELIVERED_AMONG = (n: number) => {
  let q = deliveredAmong.get(n);
  if (!q) deliveredAmong.set(n, (q = `SELECT lease_until FROM deliveries WHERE key IN (${Array(n).fill("?").join(", ")}) AND expires_at > ? LIMIT 1`));
  return q;
};
const UPSERT_COLUMNS = 5;
/** Rows per upsert statement: 5 bound values each, under SQLite's and the runtime's limit of 100 per statement. */
const UPSERT_ROWS = 16;
const upserts = new Map<number, string>();
const UPSERT = (n: number) => {
  let q = upserts.get(n);
  if (!q)
    upserts.set(
      n,
      (q = `INSERT INTO deliveries (key, state, claimed_at, lease_until, expires_at, peers) VALUES ${Array(n).fill("(?, 'delivered', ?, ?, ?, ?)").join(", ")}
           ON CONFLICT (key) DO UPDATE SET state = 'delivered', lease_until = excluded.lease_until, expires_at = excluded.expires_at, peers = excluded.peers`),
    );
  return q;
};

export class DedupShard extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  private readonly held = new Map<string, Held>();
  /** The alarm time as last set or read, so a settle does not ask storage every time. */
  private alarmAt: number | null | undefined;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(`CREATE TABLE IF NOT EXISTS deliveries (
      key TEXT PRIMARY KEY,
      state TEXT NOT NULL CHECK (state IN ('in_flight', 'delivered')),
      claimed_at INTEGER NOT NULL,
      lease_until INTEGER NOT NULL,
      expires_at INTEGER NOT NULL
    ) WITHOUT ROWID`);
    this.sql.exec("CREATE INDEX IF NOT EXISTS deliveries_expiry ON deliveries (expires_at)");
    // Added after the first release: the other keys of the same event (JSON list).
    if (!this.sql.exec<{ name: string }>("PRAGMA table_info(deliveries)").toArray().some((c) => c.name === "peers")) {
      this.sql.exec("ALTER TABLE deliveries ADD COLUMN peers TEXT");
    }
    // Claims written to disk by earlier versions: a restart forgets in-flight claims, those included.
    this.sql.exec("DELETE FROM deliveries WHERE state = 'in_flight'");
  }

  private row(key: string): Row | undefined {
    return this.sql.exec<Row>("SELECT * FROM deliveries WHERE key = ?", key).toArray()[0];
  }

  /**
   * First arrival claims the key(s). Several keys name one event (its id and a hash of its
   * signature and body): any of them delivered makes a duplicate, any in flight a retry
   * later, and only when none is taken are all claimed. Synchronous in one call: no other
   * request interleaves. `peers` are the event's keys held by other shards.
   */
  async claim(keys: string | readonly string[], { now, leaseMs, retentionMs }: ClaimOptions, peers: readonly string[] = []): Promise<ClaimOutcome> {
    const all = typeof keys === "string" ? [keys] : keys;
    // One statement for all of the event's keys: each SQL call has a fixed cost that dwarfs the lookup.
    for (let i = 0; i < all.length; i += LOOKUP_KEYS) {
      const some = all.slice(i, i + LOOKUP_KEYS);
      const delivered = this.sql.exec<{ lease_until: number }>(DELIVERED_AMONG(some.length), ...some, now).toArray()[0];
      if (delivered) return { status: "duplicate", deliveredAt: delivered.lease_until };
    }
    let inFlightMs = 0;
    for (const key of all) {
      const h = this.held.get(key);
      // a lease that has passed: the previous claim's worker died mid-flight, take over
      if (h && h.leaseUntil > now) inFlightMs = Math.max(inFlightMs, h.leaseUntil - now);
    }
    if (inFlightMs > 0) return { status: "in_flight", retryAfterMs: inFlightMs };
    if (this.held.size >= SWEEP_AT) this.sweep(now);
    for (const key of all) {
      this.held.set(key, { claimedAt: now, leaseUntil: now + leaseMs, expiresAt: now + retentionMs, peers: [...all, ...peers].filter((k) => k !== key) });
    }
    return { status: "claimed" };
  }

  /**
   * Settles claims in one call: delivered keys are written (one transaction for all of
   * them), so later copies are duplicates until retention ends (`lease_until` keeps the
   * delivery time); released keys are forgotten so the provider's retry goes through.
   */
  async settle(settlements: readonly Settlement[]): Promise<void> {
    let earliest = Infinity;
    const rows: (string | number | null)[] = [];
    for (const s of settlements) {
      for (const key of s.keys) {
        this.held.delete(key);
        if (!s.delivered) continue;
        const others = [...s.keys, ...s.peers].filter((k) => k !== key);
        const expiresAt = s.at + s.retentionMs;
        rows.push(key, s.at, s.at, expiresAt, others.length ? JSON.stringify(others) : null);
        earliest = Math.min(earliest, expiresAt);
      }
    }
    // Many rows per statement (one SQL call per UPSERT_ROWS keys, not one per key); a key twice in one
    // statement would make SQLite refuse it ("ON CONFLICT DO UPDATE command cannot affect row a second time").
    for (let i = 0; i < rows.length; ) {
      const n = Math.min(UPSERT_ROWS, (rows.length - i) / UPSERT_COLUMNS);
      const chunk = rows.slice(i, i + n * UPSERT_COLUMNS);
      const keysInChunk = new Set(chunk.filter((_, j) => j % UPSERT_COLUMNS === 0));
      if (keysInChunk.size === n) {
        this.sql.exec(UPSERT(n), ...chunk);
      } else {
        for (let j = 0; j < chunk.length; j += UPSERT_COLUMNS) this.sql.exec(UPSERT(1), ...chunk.slice(j, j + UPSERT_COLUMNS));
      }
      i += n * UPSERT_COLUMNS;
    }
    if (earliest === Infinity) return;
    if (this.alarmAt === undefined) this.alarmAt = await this.ctx.storage.getAlarm();
    if (this.alarmAt === null || this.alarmAt > earliest) await this.ctx.storage.setAlarm((this.alarmAt = earliest));
  }

  /** The origin has the event (one key set, the event's other keys unknown: its claim's are kept). */
  async commit(keys: string | readonly string[], now: number, retentionMs: number): Promise<void> {
    const all = typeof keys === "string" ? [keys] : keys;
    const peers = all.flatMap((k) => this.held.get(k)?.peers ?? []).filter((p, i, list) => !all.includes(p) && list.indexOf(p) === i);
    await this.settle([{ keys: all, peers, delivered: true, at: now, retentionMs }]);
  }

  /** The origin did not take the event: forget the claim so the provider's retry goes through. */
  async release(keys: string | readonly string[]): Promise<void> {
    await this.settle([{ keys: typeof keys === "string" ? [keys] : keys, peers: [], delivered: false, at: 0, retentionMs: 0 }]);
  }

  async lookup(key: string): Promise<DeliveryRecord | null> {
    const h = this.held.get(key);
    if (h) return { key, state: "in_flight", claimedAt: h.claimedAt, leaseUntil: h.leaseUntil, expiresAt: h.expiresAt };
    const row = this.row(key);
    return row ? toRecord(row) : null;
  }

  /** Operator override: the next copy of this event is forwarded again. Returns the event's other keys (to forget in their shards), or null when unknown. */
  async forget(key: string): Promise<string[] | null> {
    const h = this.held.get(key);
    this.held.delete(key);
    const row = this.sql.exec<{ peers: string | null }>("DELETE FROM deliveries WHERE key = ? RETURNING peers", key).toArray()[0];
    if (!row && !h) return null;
    const peers = row?.peers ? (JSON.parse(row.peers) as string[]) : [...(h?.peers ?? [])];
    for (const peer of peers) {
      this.held.delete(peer);
      this.sql.exec("DELETE FROM deliveries WHERE key = ?", peer);
    }
    return peers;
  }

  async count(): Promise<number> {
    return this.held.size + this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM deliveries").one().n;
  }

  private sweep(now: number): void {
    for (const [key, h] of this.held) if (h.leaseUntil <= now) this.held.delete(key);
  }

  override async alarm(): Promise<void> {
    const now = Date.now();
    this.sweep(now);
    this.sql.exec("DELETE FROM deliveries WHERE expires_at <= ?", now);
    const next = this.sql.exec<{ at: number | null }>("SELECT MIN(expires_at) AS at FROM deliveries").one().at;
    this.alarmAt = next === null ? null : Math.max(next, now + 1000);
    if (this.alarmAt !== null) await this.ctx.storage.setAlarm(this.alarmAt);
  }
}
