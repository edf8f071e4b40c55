/**
 * One instance holds the delivery keys of one shard of one route (`dedup:<route>:<n>`):
 * the single writer that makes "first arrival wins" exact, which KV (no compare-and-set,
 * eventually consistent) cannot. SQLite storage; an alarm removes keys past retention, so
 * storage stays bounded by (deliveries per second) x (retention) per shard.
 *
 * A key is `in_flight` from claim until the origin's answer, then `delivered` (commit) or
 * gone (release). A claim whose worker died is taken over once its lease has passed.
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

export class DedupShard extends DurableObject<Env> {
  private readonly sql: SqlStorage;

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
  }

  private row(key: string): Row | undefined {
    return this.sql.exec<Row>("SELECT * FROM deliveries WHERE key = ?", key).toArray()[0];
  }

  /**
   * First arrival claims the key(s). Several keys name one event (its id and a hash of its
   * signature and body): any of them delivered makes a duplicate, any in flight a retry
   * later, and only when none is taken are all claimed. Synchronous SQL in one call: no
   * other request interleaves. `peers` are the event's keys held by other shards.
   */
  async claim(keys: string | readonly string[], { now, leaseMs, retentionMs }: ClaimOptions, peers: readonly string[] = []): Promise<ClaimOutcome> {
    const all = typeof keys === "string" ? [keys] : keys;
    let inFlightMs = 0;
    for (const key of all) {
      const existing = this.row(key);
      if (!existing || existing.expires_at <= now) continue;
      if (existing.state === "delivered") return { status: "duplicate", deliveredAt: existing.lease_until };
      // a lease that has passed: the previous claim's worker died mid-flight, take over
      if (existing.lease_until > now) inFlightMs = Math.max(inFlightMs, existing.lease_until - now);
    }
    if (inFlightMs > 0) return { status: "in_flight", retryAfterMs: inFlightMs };
    const expiresAt = now + retentionMs;
    for (const key of all) {
      const others = [...all, ...peers].filter((k) => k !== key);
      this.sql.exec(
        `INSERT INTO deliveries (key, state, claimed_at, lease_until, expires_at, peers) VALUES (?, 'in_flight', ?, ?, ?, ?)
         ON CONFLICT (key) DO UPDATE SET state = 'in_flight', claimed_at = excluded.claimed_at,
           lease_until = excluded.lease_until, expires_at = excluded.expires_at, peers = excluded.peers`,
        key,
        now,
        now + leaseMs,
        expiresAt,
        others.length ? JSON.stringify(others) : null,
      );
    }
    if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(expiresAt);
    return { status: "claimed" };
  }

  /** The origin has the event: later copies are duplicates until retention ends. `lease_until` keeps the delivery time. */
  async commit(keys: string | readonly string[], now: number, retentionMs: number): Promise<void> {
    for (const key of typeof keys === "string" ? [keys] : keys) {
      this.sql.exec("UPDATE deliveries SET state = 'delivered', lease_until = ?, expires_at = ? WHERE key = ?", now, now + retentionMs, key);
    }
  }

  /** The origin did not take the event: forget the claim so the provider's retry goes through. */
  async release(keys: string | readonly string[]): Promise<void> {
    for (const key of typeof keys === "string" ? [keys] : keys) this.sql.exec("DELETE FROM deliveries WHERE key = ? AND state = 'in_flight'", key);
  }

  async lookup(key: string): Promise<DeliveryRecord | null> {
    const row = this.row(key);
    return row ? toRecord(row) : null;
  }

  /** Operator override: the next copy of this event is forwarded again. Returns the event's other keys (to forget in their shards), or null when unknown. */
  async forget(key: string): Promise<string[] | null> {
    const row = this.sql.exec<{ peers: string | null }>("DELETE FROM deliveries WHERE key = ? RETURNING peers", key).toArray()[0];
    if (!row) return null;
    const peers = row.peers ? (JSON.parse(row.peers) as string[]) : [];
    for (const peer of peers) this.sql.exec("DELETE FROM deliveries WHERE key = ?", peer);
    return peers;
  }

  async count(): Promise<number> {
    return this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM deliveries").one().n;
  }

  override async alarm(): Promise<void> {
    const now = Date.now();
    this.sql.exec("DELETE FROM deliveries WHERE expires_at <= ?", now);
    const next = this.sql.exec<{ at: number | null }>("SELECT MIN(expires_at) AS at FROM deliveries").one().at;
    if (next !== null) await this.ctx.storage.setAlarm(Math.max(next, now + 1000));
  }
}
