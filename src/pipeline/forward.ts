/**
 * Sends the verified request to the origin and relays its answer. The origin gets the
 * exact verified bytes, the provider's own headers (signatures included, so it may
 * re-verify), minus hop-by-hop headers and the credentials meant for the gateway.
 * Origin failures become 502/504 with Retry-After, never a 4xx: providers retry 5xx,
 * but disable endpoints that keep answering 4xx.
 */
import type { CompiledRoute } from "../config/compile";
import { HOOKGATE_HOP, HOOKGATE_REQUEST_ID, HOOKGATE_VERIFIED, HOP_BY_HOP, REQUEST_MANAGED } from "../lib/headers";
import type { Rejection } from "../lib/rejection";

export interface Forwarded {
  readonly response: Response;
  readonly originStatus: number;
}

/** Removes the named parameters from a raw query string, leaving every other byte as sent. */
export function stripQueryParams(search: string, names: ReadonlySet<string>): string {
  if (names.size === 0 || search.length <= 1) return search;
  const kept = search
    .slice(1)
    .split("&")
    .filter((pair) => {
      const rawKey = pair.split("=", 1)[0]!;
      let key = rawKey;
      try {
        key = decodeURIComponent(rawKey.replace(/\+/g, " "));
      } catch {
        // a malformed escape is not one of our names; keep it as sent
      }
      return !names.has(key);
    });
  return kept.length === 0 ? "" : `?${kept.join("&")}`;
}

/** Where the request goes: the configured origin plus the request's path, or the app behind the route itself. */
export function originUrl(origin: string | undefined, url: URL, stripQuery: ReadonlySet<string>): string {
  const search = stripQueryParams(url.search, stripQuery);
  if (!origin) return `${url.origin}${url.pathname}${search}`;
  const base = origin.endsWith("/") ? origin.slice(0, -1) : origin;
  return `${base}${url.pathname}${search}`;
}

/** What the gateway knows about a request it passes on; the origin sees it as headers. */
export interface Provenance {
  readonly verifiedBy: readonly string[];
  readonly requestId: string;
  /** Stable per event: Standard Webhooks `webhook-id`, the same on every retry. */
  readonly messageId: string;
  readonly providerEventId: string | undefined;
  readonly dedup: "first" | "off";
  readonly receivedAt: number;
  /** Observe mode: the check that failed; the origin sees it in `x-hookgate-unverified`. */
  readonly observed?: string;
}

/** The request as the origin will receive it, built once: sent now, or stored and sent later. */
export interface Outbound {
  readonly id: string;
  readonly url: string;
  readonly method: string;
  readonly headers: Headers;
  readonly body: Uint8Array;
}

export function forwardHeaders(incoming: Headers, strip: ReadonlySet<string>, url: URL, p: Provenance): Headers {
  const headers = new Headers(incoming);
  for (const name of incoming.keys()) {
    if (HOP_BY_HOP.has(name) || REQUEST_MANAGED.has(name) || strip.has(name) || name.startsWith("x-hookgate-")) headers.delete(name);
  }
  const clientIp = incoming.get("cf-connecting-ip");
  const priorFor = incoming.get("x-forwarded-for");
  if (clientIp) {
    const alreadyLast = priorFor?.split(",").pop()?.trim() === clientIp;
    headers.set("x-forwarded-for", priorFor && !alreadyLast ? `${priorFor}, ${clientIp}` : (priorFor ?? clientIp));
  }
  headers.set("x-forwarded-proto", url.protocol.slice(0, -1));
  headers.set("x-forwarded-host", url.host);
  headers.set(HOOKGATE_VERIFIED, p.verifiedBy.join(","));
  headers.set(HOOKGATE_REQUEST_ID, p.requestId);
  if (p.providerEventId) headers.set("x-hookgate-event-id", p.providerEventId);
  headers.set("x-hookgate-dedup", p.dedup);
  headers.set("x-hookgate-received-at", new Date(p.receivedAt).toISOString());
  if (p.observed) headers.set("x-hookgate-unverified", p.observed);
  headers.set(HOOKGATE_HOP, "1");
  return headers;
}

export function outbound(route: CompiledRoute, request: Request, url: URL, body: Uint8Array, p: Provenance): Outbound {
  return {
    id: p.messageId,
    url: originUrl(route.config.origin, url, route.stripQuery),
    method: request.method,
    headers: forwardHeaders(request.headers, route.stripHeaders, url, p),
    body,
  };
}

/** Sends to the origin now and relays its answer; failures to reach it are 502/504. */
export async function forward(route: CompiledRoute, out: Outbound, requestId: string): Promise<Forwarded | Rejection> {
  const timeoutMs = route.config.originTimeoutMs;
  const hasBody = out.method !== "GET" && out.method !== "HEAD";
  await route.signer?.sign(out.headers, out.id, out.body, Date.now());
  let res: Response;
  try {
    res = await fetch(out.url, {
      method: out.method,
      headers: out.headers,
      body: hasBody ? out.body : null,
      redirect: "manual",
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (e) {
    const name = (e as Error)?.name;
    if (name === "TimeoutError" || name === "AbortError") return { code: "origin_timeout", timeoutMs };
    return { code: "origin_unreachable", detail: String((e as Error)?.message ?? e).slice(0, 200) };
  }
  // A mutable copy made natively; only the few hop-by-hop names are looked up.
  const response = new Response(res.body, res);
  for (const name of HOP_BY_HOP) response.headers.delete(name);
  response.headers.set(HOOKGATE_REQUEST_ID, requestId);
  return { response, originStatus: res.status };
}
