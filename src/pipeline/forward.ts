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

export function forwardHeaders(
  incoming: Headers,
  strip: ReadonlySet<string>,
  url: URL,
  verifiedBy: readonly string[],
  requestId: string,
): Headers {
  const headers = new Headers();
  for (const [name, value] of incoming) {
    if (HOP_BY_HOP.has(name) || REQUEST_MANAGED.has(name) || strip.has(name) || name.startsWith("x-hookgate-")) continue;
    headers.append(name, value);
  }
  const clientIp = incoming.get("cf-connecting-ip");
  const priorFor = incoming.get("x-forwarded-for");
  if (clientIp) {
    const alreadyLast = priorFor?.split(",").pop()?.trim() === clientIp;
    headers.set("x-forwarded-for", priorFor && !alreadyLast ? `${priorFor}, ${clientIp}` : (priorFor ?? clientIp));
  }
  headers.set("x-forwarded-proto", url.protocol.slice(0, -1));
  headers.set("x-forwarded-host", url.host);
  headers.set(HOOKGATE_VERIFIED, verifiedBy.join(","));
  headers.set(HOOKGATE_REQUEST_ID, requestId);
  headers.set(HOOKGATE_HOP, "1");
  return headers;
}

export async function forward(
  route: CompiledRoute,
  request: Request,
  url: URL,
  body: Uint8Array,
  verifiedBy: readonly string[],
  requestId: string,
): Promise<Forwarded | Rejection> {
  const timeoutMs = route.config.originTimeoutMs;
  const target = originUrl(route.config.origin, url, route.stripQuery);
  const hasBody = request.method !== "GET" && request.method !== "HEAD";
  let res: Response;
  try {
    res = await fetch(target, {
      method: request.method,
      headers: forwardHeaders(request.headers, route.stripHeaders, url, verifiedBy, requestId),
      body: hasBody ? body : null,
      redirect: "manual",
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (e) {
    const name = (e as Error)?.name;
    if (name === "TimeoutError" || name === "AbortError") return { code: "origin_timeout", timeoutMs };
    return { code: "origin_unreachable", detail: String((e as Error)?.message ?? e).slice(0, 200) };
  }
  const headers = new Headers();
  for (const [name, value] of res.headers) {
    if (!HOP_BY_HOP.has(name)) headers.append(name, value);
  }
  headers.set(HOOKGATE_REQUEST_ID, requestId);
  return {
    response: new Response(res.body, { status: res.status, statusText: res.statusText, headers }),
    originStatus: res.status,
  };
}
