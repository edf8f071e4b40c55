/** The Worker entry point: wiring only. */
import type { Env } from "./env";
import { dispatch } from "./router";

export { DedupShard } from "./durable/dedup-shard";
export { DeliveryQueue } from "./durable/delivery-queue";
export { EventLog } from "./durable/event-log";
export { ListenHub } from "./durable/listen-hub";
export { RouteLimiter } from "./durable/route-limiter";
export { RouteRegistry } from "./durable/route-registry";

export default {
  fetch: (request, env, ctx) => dispatch(request, env, ctx),
} satisfies ExportedHandler<Env>;
