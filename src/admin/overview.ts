/** Each route's health at a glance: last hour's decisions, the queue, the dead letters. */
import { listStoredRoutes } from "../config/store";
import type { Env } from "../env";
import { queuesOf } from "../durable/delivery-queue";
import { eventLogFor } from "../durable/event-log";

export interface RouteHealth {
  readonly id: string;
  readonly host: string;
  readonly path: string;
  readonly schemes: readonly string[];
  readonly mode: string;
  readonly enforce: boolean;
  readonly paused: boolean;
  /** A `hookgate listen` session was open within the presence window. */
  readonly listening: boolean;
  /** How many destinations the route lists (0: a single `origin`). */
  readonly destinations: number;
  readonly lastHour: Record<string, number>;
  /** Over every queue the route has: its own and, with destinations, one per destination besides the primary. */
  readonly queue: { pending: number; delivered: number; dead: number };
  readonly health: "ok" | "degraded" | "failing" | "idle";
}

export async function overview(env: Env): Promise<RouteHealth[]> {
  const routes = await listStoredRoutes(env);
  const since = Date.now() - 3600_000;
  return Promise.all(
    routes.map(async (r) => {
      const [buckets, counts] = await Promise.all([eventLogFor(env, r.id).summary(since, 3600_000), Promise.all(queuesOf(env, r.id, r.destinations).map((q) => q.counts()))]);
      const queue = { pending: 0, delivered: 0, dead: 0 };
      for (const c of counts) for (const k of ["pending", "delivered", "dead"] as const) queue[k] += c[k];
      const lastHour: Record<string, number> = {};
      for (const b of buckets) lastHour[b.decision] = (lastHour[b.decision] ?? 0) + b.count;
      const total = Object.values(lastHour).reduce((a, b) => a + b, 0);
      const bad = (lastHour.rejected ?? 0) + (lastHour.dead_lettered ?? 0);
      const health = total === 0 ? "idle" : queue.dead > 0 || bad > total / 2 ? "failing" : bad > 0 || queue.pending > 0 ? "degraded" : "ok";
      return {
        id: r.id,
        host: r.host,
        path: r.path,
        // The provider's name where there is one: that is what an operator looks for.
        schemes: r.auth.methods.map((m) => (m.type === "provider" ? m.provider : m.type === "hmac" ? "hmac (custom)" : m.type)),
        mode: r.delivery?.mode ?? "sync",
        enforce: r.enforce,
        paused: r.state?.pausedAt !== undefined,
        listening: (r.state?.listeningUntil ?? 0) > Date.now(),
        destinations: r.destinations?.length ?? 0,
        lastHour,
        queue,
        health,
      };
    }),
  );
}
