// Types for the test environment: `env` and `exports` from the worker under test.
declare namespace Cloudflare {
  interface GlobalProps {
    mainModule: typeof import("../src/index");
  }
  interface Env {
    ROUTES: KVNamespace;
    DEDUP: DurableObjectNamespace<import("../src/durable/dedup-shard").DedupShard>;
    DELIVERY: DurableObjectNamespace<import("../src/durable/delivery-queue").DeliveryQueue>;
    EVENT_LOG: DurableObjectNamespace<import("../src/durable/event-log").EventLog>;
    LISTEN: DurableObjectNamespace<import("../src/durable/listen-hub").ListenHub>;
    EVENT_LOG_FLUSH_MS?: string;
    METRICS?: AnalyticsEngineDataset;
    ROUTE_LIMITER: DurableObjectNamespace<import("../src/durable/route-limiter").RouteLimiter>;
    ROUTE_REGISTRY: DurableObjectNamespace<import("../src/durable/route-registry").RouteRegistry>;
    ADMIN_TOKEN: string;
    SECRETS_KEY: string;
    SECRETS_KEY_PREVIOUS?: string;
    ALLOW_HTTP?: string;
    ADMIN_PREFIX?: string;
    ADMIN_HOST?: string;
    ADMIN_ALLOW_CIDRS?: string;
    /** Test-only bindings for the Cloudflare-native destinations (vitest.config.ts). */
    ARCHIVE: R2Bucket;
    QUEUE_BODIES: R2Bucket;
    EVENTS: Queue;
  }
}
