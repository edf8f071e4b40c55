/**
 * The delivery stage. `sync` (default) forwards now and relays the origin's answer: the
 * provider reads it (Slack, Discord interactions). With `retryOnFailure`, an origin that
 * fails (5xx, 408/409/425/429, timeout, unreachable) gets the event again later from the
 * route's queue and the provider gets 202: nothing is lost, but the provider no longer
 * sees the origin's error. `queue` stores the event durably and answers 202 at once,
 * well inside every provider's timeout; the queue delivers it (durable/delivery-queue.ts).
 */
import type { CompiledRoute } from "../config/compile";
import { classify } from "../delivery/policy";
import { queueFor, type QueuedEvent } from "../durable/delivery-queue";
import type { Env } from "../env";
import type { Rejection } from "../lib/rejection";
import { forward, type Forwarded, type Outbound } from "./forward";

export type Delivery = { readonly kind: "forwarded"; readonly forwarded: Forwarded } | { readonly kind: "queued"; readonly id: string };


async function enqueue(env: Env, route: CompiledRoute, out: Outbound, receivedAt: number, providerEventId: string | undefined): Promise<Delivery | Rejection> {
  const event: QueuedEvent = {
    id: out.id,
    receivedAt,
    method: out.method,
    url: out.url,
    headers: [...out.headers],
    body: out.body,
    ...(providerEventId && { providerEventId }),
  };
  try {
    await queueFor(env, route.id).enqueue(route.id, event);
    return { kind: "queued", id: out.id };
  } catch (e) {
    // Not stored: 503 so the provider keeps the event and retries.
    return { code: "store_unavailable", detail: `queue: ${String((e as Error)?.message ?? e).slice(0, 200)}` };
  }
}

export async function deliver(
  env: Env,
  route: CompiledRoute,
  out: Outbound,
  requestId: string,
  receivedAt: number,
  providerEventId: string | undefined,
): Promise<Delivery | Rejection> {
  const settings = route.config.delivery;
  if (settings?.mode === "queue") return enqueue(env, route, out, receivedAt, providerEventId);
  const forwarded = await forward(route, out, requestId);
  if (settings?.retryOnFailure && classify("code" in forwarded ? null : forwarded.originStatus) === "retry") {
    return enqueue(env, route, out, receivedAt, providerEventId);
  }
  return "code" in forwarded ? forwarded : { kind: "forwarded", forwarded };
}
