/**
 * The one origin sender: sync forwarding (pipeline/forward.ts) and the delivery queue
 * (durable/delivery-queue.ts) both send through it, so a request leaves the gateway the
 * same way whichever path it took: attested when the route asks, redirects never followed
 * (a 3xx is an answer, not an instruction), and bounded by the route's origin timeout, which
 * covers the wait for the status line only.
 */
import type { OriginSigner } from "./attest";

/** A request as the origin will receive it; `id` is its Standard Webhooks `webhook-id`. */
export interface OriginRequest {
  readonly id: string;
  readonly url: string;
  readonly method: string;
  readonly headers: Headers;
  readonly body: Uint8Array;
}

export type Sent =
  | { readonly ok: true; readonly response: Response }
  | { readonly ok: false; readonly timeout: true }
  | { readonly ok: false; readonly timeout: false; readonly error: string };

/** `send`: the network's fetch, or a service binding's (delivery/sinks.ts `fetcherFor`). */
export async function sendToOrigin(req: OriginRequest, signer: OriginSigner | undefined, timeoutMs: number, now: number, send: typeof fetch = fetch): Promise<Sent> {
  await signer?.sign(req.headers, req.id, req.body, now, req);
  // A timer cleared as soon as the status line arrives, not AbortSignal.timeout: that one stays
  // active for the whole timeout after the answer, and a Durable Object draining a backlog
  // (one long-lived context for all its attempts) reached workerd's cap on active timeouts,
  // which then threw after an attempt had been sent, and the retried alarm sent it again.
  const controller = new AbortController();
  let timedOut = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);
    const response = await send(req.url, {
      method: req.method,
      headers: req.headers,
      body: req.method === "GET" || req.method === "HEAD" ? null : req.body,
      redirect: "manual",
      signal: controller.signal,
    });
    return { ok: true, response };
  } catch (e) {
    if (timedOut) return { ok: false, timeout: true };
    const name = (e as Error)?.name;
    if (name === "TimeoutError" || name === "AbortError") return { ok: false, timeout: true };
    return { ok: false, timeout: false, error: String((e as Error)?.message ?? e).slice(0, 200) };
  } finally {
    clearTimeout(timer);
  }
}
