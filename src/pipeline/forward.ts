/**
 * Sends the verified request to the origin and relays its answer. The origin gets the
 * exact verified bytes, the provider's own headers (signatures included, so it may
 * re-verify), minus hop-by-hop headers and the credentials meant for the gateway.
 * Origin failures become 502/504 with Retry-After, never a 4xx: providers retry 5xx,
 * but disable endpoints that keep answering 4xx.
 */
import type { CompiledDestination, CompiledRoute } from "../config/compile";
import { sendToOrigin, type OriginRequest } from "../delivery/send";
import { HOOKGATE_HOP, HOOKGATE_REQUEST_ID, HOOKGATE_VERIFIED, HOP_BY_HOP, REQUEST_MANAGED } from "../lib/headers";
import { utf8 } from "../lib/encoding";
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
export function originUrl(origin: string | undefined, url: URL, stripQuery: ReadonlySet<string>, pathname = url.pathname): string {
  const search = stripQueryParams(url.search, stripQuery);
  if (!origin) return `${url.origin}${pathname}${search}`;
  const base = origin.endsWith("/") ? origin.slice(0, -1) : origin;
  return `${base}${pathname}${search}`;
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
export type Outbound = OriginRequest;

/** Client-supplied claims about the client or the path it came by: only the gateway says these. */
const CLIENT_CLAIMS = new Set(["x-forwarded-for", "x-forwarded-proto", "x-forwarded-host", "x-real-ip", "true-client-ip", "forwarded", "x-client-ip", "x-cluster-client-ip"]);
/** Longest provider event id passed on in a header; longer ones would make origins answer 431. */
export const MAX_EVENT_ID_HEADER_CHARS = 256;

/**
 * A provider's event id as a header value: printable ASCII as is, anything else (CR, LF,
 * NUL, non-ASCII) percent-encoded, so a hostile id can neither break the request nor
 * inject a header; too long: left out (it stays in the log and the event log).
 */
export function eventIdHeader(id: string): string | undefined {
  if (id.length > MAX_EVENT_ID_HEADER_CHARS) return undefined;
  if (PRINTABLE.test(id)) return id;
  let out = "";
  for (const byte of utf8(id)) out += byte > 0x20 && byte < 0x7f && byte !== 0x25 ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  return out.length <= MAX_EVENT_ID_HEADER_CHARS ? out : undefined;
}
const PRINTABLE = /^[\x21-\x7e]*$/;

/**
 * The origin's headers: a native copy of the incoming ones, minus the names that may not go
 * on (looked up only among the names present), plus the gateway's own. Building a Headers
 * from a JS array instead measured twice as slow in workerd.
 */
export function forwardHeaders(incoming: Headers, strip: ReadonlySet<string>, url: URL, p: Provenance): Headers {
  const headers = new Headers(incoming);
  // Headers a client names in Connection are hop-by-hop too (RFC 9110 §7.6.1).
  const connection = incoming.get("connection");
  const listed = connection ? new Set(connection.split(",").map((n) => n.trim().toLowerCase())) : undefined;
  for (const name of incoming.keys()) {
    // Every X-Forwarded-* (as the README promises), not only the three the gateway sets: origins
    // trust -Prefix, -Port, -Ssl or Envoy's -Client-Cert from their proxy (review finding: they passed).
    if (HOP_BY_HOP.has(name) || REQUEST_MANAGED.has(name) || CLIENT_CLAIMS.has(name) || strip.has(name) || name.startsWith("x-hookgate-") || name.startsWith("x-forwarded-") || listed?.has(name)) headers.delete(name);
  }
  // Cloudflare sets CF-Connecting-IP itself; nothing a client sends is kept as the client's address.
  const clientIp = incoming.get("cf-connecting-ip");
  if (clientIp) headers.set("x-forwarded-for", clientIp);
  headers.set("x-forwarded-proto", url.protocol.slice(0, -1));
  headers.set("x-forwarded-host", url.host);
  headers.set(HOOKGATE_VERIFIED, p.verifiedBy.join(","));
  headers.set(HOOKGATE_REQUEST_ID, p.requestId);
  const eventId = p.providerEventId === undefined ? undefined : eventIdHeader(p.providerEventId);
  if (eventId) headers.set("x-hookgate-event-id", eventId);
  headers.set("x-hookgate-dedup", p.dedup);
  headers.set("x-hookgate-received-at", new Date(p.receivedAt).toISOString());
  if (p.observed) headers.set("x-hookgate-unverified", p.observed);
  headers.set(HOOKGATE_HOP, "1");
  return headers;
}

export function outbound(route: CompiledRoute, request: Request, url: URL, body: Uint8Array, p: Provenance): Outbound {
  return {
    id: p.messageId,
    url: originUrl(route.destinations[0]!.url, url, route.stripQuery),
    method: request.method,
    headers: forwardHeaders(request.headers, route.stripHeaders, url, p),
    body,
  };
}

/** Sends to the destination now and relays its answer; failures to reach it are 502/504. */
export async function forward(destination: CompiledDestination, out: Outbound, requestId: string, send: typeof fetch = fetch): Promise<Forwarded | Rejection> {
  const timeoutMs = destination.originTimeoutMs;
  const sent = await sendToOrigin(out, destination.signer, timeoutMs, Date.now(), send);
  if (!sent.ok) return sent.timeout ? { code: "origin_timeout", timeoutMs } : { code: "origin_unreachable", detail: sent.error };
  const res = sent.response;
  // A mutable copy made natively; only the few hop-by-hop names are looked up.
  const response = new Response(res.body, res);
  for (const name of HOP_BY_HOP) response.headers.delete(name);
  response.headers.set(HOOKGATE_REQUEST_ID, requestId);
  return { response, originStatus: res.status };
}
