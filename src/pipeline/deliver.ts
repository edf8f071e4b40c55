/**
 * The delivery stage. `sync` (default) forwards now and relays the origin's answer: the
 * provider reads it (Slack, Discord interactions). With `retryOnFailure`, an origin that
 * fails (5xx, 408/409/425/429, timeout, unreachable) gets the event again later from the
 * route's queue and the provider gets 202: nothing is lost, but the provider no longer
 * sees the origin's error. `queue` stores the event durably and answers 202 at once,
 * well inside every provider's timeout; the queue delivers it (durable/delivery-queue.ts).
 * A paused route queues whatever its mode, and its queue holds the events until resume.
 * `listen` has no origin: the route's listen hub keeps each event until a `hookgate listen`
 * session takes it (durable/listen-hub.ts).
 */
import type { CompiledDestination, CompiledRoute } from "../config/compile";
import { classify } from "../delivery/policy";
import { parseJson, textAt } from "../lib/json-field";
import { fetcherFor } from "../delivery/sinks";
import { queueFor, type QueuedEvent } from "../durable/delivery-queue";
import { hubFor, MAX_KEPT } from "../durable/listen-hub";
import type { Env } from "../env";
import type { Rejection } from "../lib/rejection";
import { forward, type Forwarded, type Outbound } from "./forward";

export type Delivery = { readonly kind: "forwarded"; readonly forwarded: Forwarded } | { readonly kind: "queued"; readonly id: string };


/** A FIFO destination's line for this event: its key's value ("" when the key is unset or absent: one line). */
function orderingKeyOf(ordering: NonNullable<CompiledDestination["ordering"]>, out: Outbound): string {
  const key = ordering.key;
  if (!key) return "";
  const value = "header" in key ? out.headers.get(key.header) : textAt(parseJson(out.body), key.jsonField);
  // Bounded: a key is an index entry, and ids are sender-chosen text.
  return (value ?? "").slice(0, 256);
}

/** Into the destination's own queue (the primary's is the route's: durable/delivery-queue.ts). */
export async function enqueue(env: Env, route: CompiledRoute, destination: CompiledDestination, out: Outbound, receivedAt: number, providerEventId: string | undefined): Promise<Delivery | Rejection> {
  const orderingKey = destination.ordering && orderingKeyOf(destination.ordering, out);
  const event: QueuedEvent = {
    id: out.id,
    receivedAt,
    method: out.method,
    url: out.url,
    headers: [...out.headers],
    body: out.body,
    ...(providerEventId && { providerEventId }),
    ...(orderingKey !== undefined && { orderingKey }),
  };
  try {
    const queue = destination.primary ? queueFor(env, route.id) : queueFor(env, route.id, destination.id);
    await queue.enqueue(route.id, event, route.fanOut ? destination.id : undefined);
    return { kind: "queued", id: out.id };
  } catch (e) {
    // Not stored: 503 so the provider keeps the event and retries.
    return { code: "store_unavailable", detail: `queue: ${String((e as Error)?.message ?? e).slice(0, 200)}` };
  }
}

async function keepForListener(env: Env, route: CompiledRoute, out: Outbound, providerEventId: string | undefined, verifiedBy: string): Promise<Delivery | Rejection> {
  const path = new URL(out.url).pathname;
  const line = { decision: "queued", status: 202, messageId: out.id, verifiedBy, method: out.method, path, ...(providerEventId && { eventId: providerEventId }) };
  try {
    const seq = await hubFor(env, route.id).keep(line, { method: out.method, url: out.url, headers: [...out.headers], body: out.body });
    if (seq === null) return { code: "store_unavailable", detail: `listen: ${MAX_KEPT} events are waiting for a listener` };
    return { kind: "queued", id: out.id };
  } catch (e) {
    // Not kept (no room, or the object unreachable): 503 so the provider keeps it and retries.
    return { code: "store_unavailable", detail: `listen: ${String((e as Error)?.message ?? e).slice(0, 200)}` };
  }
}

export async function deliver(
  env: Env,
  route: CompiledRoute,
  destination: CompiledDestination,
  out: Outbound,
  requestId: string,
  receivedAt: number,
  providerEventId: string | undefined,
  verifiedBy: readonly string[],
): Promise<Delivery | Rejection> {
  if (route.config.delivery?.mode === "listen") return keepForListener(env, route, out, providerEventId, verifiedBy.join(","));
  if (destination.mode === "queue" || route.config.state?.pausedAt !== undefined) return enqueue(env, route, destination, out, receivedAt, providerEventId);
  const send = fetcherFor(env, destination);
  if (!send) return { code: "route_misconfigured", detail: `destination ${destination.id}: no service binding "${destination.binding}"` };
  const forwarded = await forward(destination, out, requestId, send);
  if (destination.retryOnFailure && classify("code" in forwarded ? null : forwarded.originStatus) === "retry") {
    return enqueue(env, route, destination, out, receivedAt, providerEventId);
  }
  return "code" in forwarded ? forwarded : { kind: "forwarded", forwarded };
}
