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

type Row = { key: string; state: "in_flight" | "delivered"; claimed_at: number; lease_until: number; expires_at: number };

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
  }

  private row(key: string): Row | undefined {
    return this.sql.exec<Row>("SELECT * FROM deliveries WHERE key = ?", key).toArray()[0];
  }

  /** First arrival claims the key. Synchronous SQL in one call: no other request interleaves. */
  async claim(key: string, { now, leaseMs, retentionMs }: ClaimOptions): Promise<ClaimOutcome> {
    const existing = this.row(key);
    if (existing && existing.expires_at > now) {
      if (existing.state === "delivered") return { status: "duplicate", deliveredAt: existing.lease_until };
      if (existing.lease_until > now) return { status: "in_flight", retryAfterMs: existing.lease_until - now };
      // the previous claim's worker died mid-flight: its lease has passed, take over
    }
    const expiresAt = now + retentionMs;
    this.sql.exec(
      `INSERT INTO deliveries (key, state, claimed_at, lease_until, expires_at) VALUES (?, 'in_flight', ?, ?, ?)
       ON CONFLICT (key) DO UPDATE SET state = 'in_flight', claimed_at = excluded.claimed_at,
         lease_until = excluded.lease_until, expires_at = excluded.expires_at`,
      key,
      now,
      now + leaseMs,
      expiresAt,
    );
    if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(expiresAt);
    return { status: "claimed" };
  }

  /** The origin has the event: later copies are duplicates until retention ends. `lease_until` keeps the delivery time. */
  async commit(key: string, now: number, retentionMs: number): Promise<void> {
    this.sql.exec(
      "UPDATE deliveries SET state = 'delivered', lease_until = ?, expires_at = ? WHERE key = ?",
      now,
      now + retentionMs,
      key,
    );
  }

  /** The origin did not take the event: forget the claim so the provider's retry goes through. */
  async release(key: string): Promise<void> {
    this.sql.exec("DELETE FROM deliveries WHERE key = ? AND state = 'in_flight'", key);
  }

  async lookup(key: string): Promise<DeliveryRecord | null> {
    const row = this.row(key);
    return row ? toRecord(row) : null;
  }

  /** Operator override: the next copy of this event is forwarded again. */
  async forget(key: string): Promise<boolean> {
    return this.sql.exec("DELETE FROM deliveries WHERE key = ? RETURNING key", key).toArray().length > 0;
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
