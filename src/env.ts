/** The bindings and secrets the gateway runs with (see wrangler.toml and README "Deploy"). */
export interface Env {
  /** Route configs; secrets inside them are AES-GCM encrypted (docs/storage.md). */
  ROUTES: KVNamespace;
  /** Dedup keys, one Durable Object per route shard (src/durable/dedup-shard.ts). */
  DEDUP: DurableObjectNamespace<import("./durable/dedup-shard").DedupShard>;
  /** Events waiting for the origin, one Durable Object per route (src/durable/delivery-queue.ts). */
  DELIVERY: DurableObjectNamespace<import("./durable/delivery-queue").DeliveryQueue>;
  /** Each route's recent events, for the dashboard and the event log API (src/durable/event-log.ts). */
  EVENT_LOG: DurableObjectNamespace<import("./durable/event-log").EventLog>;
  /** What `hookgate listen` sessions see, one Durable Object per route (src/durable/listen-hub.ts). */
  LISTEN: DurableObjectNamespace<import("./durable/listen-hub").ListenHub>;
  /** Optional: Workers Analytics Engine dataset for per-route metrics. */
  METRICS?: AnalyticsEngineDataset;
  /** How long an isolate batches event-log entries, in ms (default 250; 0 = write at once). */
  EVENT_LOG_FLUSH_MS?: string;
  /** Global per-route token buckets, for routes with `rateLimit.perRoute.scope = "global"`. */
  ROUTE_LIMITER: DurableObjectNamespace<import("./durable/route-limiter").RouteLimiter>;
  /** The single writer of route configs in KV (src/durable/route-registry.ts). */
  ROUTE_REGISTRY: DurableObjectNamespace<import("./durable/route-registry").RouteRegistry>;
  /** Bearer token for the admin API. Unset: the admin API refuses every call. */
  ADMIN_TOKEN?: string;
  /** Base64 of 32 random bytes: the AES-256-GCM key for route secrets. */
  SECRETS_KEY?: string;
  /** The key being rotated out: still accepted for decryption, never used to encrypt. */
  SECRETS_KEY_PREVIOUS?: string;
  /** "true" only for local runs: plain http is accepted. */
  ALLOW_HTTP?: string;
  /** Where the admin API lives; default "/__gateway". */
  ADMIN_PREFIX?: string;
  /** Optional: the one hostname the admin API answers on (404 on every other). */
  ADMIN_HOST?: string;
  /** Optional: comma-separated IPs/CIDRs allowed to reach the admin API (404 for others). */
  ADMIN_ALLOW_CIDRS?: string;
}
