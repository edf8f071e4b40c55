/**
 * Every way the gateway refuses a request, and the one place that turns a refusal into
 * HTTP. Bodies are deliberately short and generic; the detailed reason goes to the log.
 */
import type { VerifyFailure } from "../verify/types";

export const ORIGIN_RETRY_AFTER_SECONDS = 30;
export const MISCONFIGURED_RETRY_AFTER_SECONDS = 60;

export type Rejection =
  | { readonly code: "https_required" }
  | { readonly code: "loop_detected" }
  | { readonly code: "route_not_found" }
  | { readonly code: "route_misconfigured"; readonly detail: string }
  | { readonly code: "store_unavailable"; readonly detail: string }
  | { readonly code: "ip_not_allowed" }
  | { readonly code: "rate_limited"; readonly scope: "ip" | "route" | "auth_failures"; readonly retryAfterSeconds: number }
  | { readonly code: "method_not_allowed"; readonly allow: readonly string[] }
  | { readonly code: "unsupported_media_type" }
  | { readonly code: "payload_too_large"; readonly limitBytes: number }
  | { readonly code: "bad_request"; readonly detail: string }
  | { readonly code: "unauthenticated"; readonly reason: VerifyFailure; readonly scheme: string; readonly challenge?: string }
  | { readonly code: "delivery_in_flight"; readonly retryAfterSeconds: number }
  | { readonly code: "origin_unreachable"; readonly detail: string }
  | { readonly code: "origin_timeout"; readonly timeoutMs: number }
  /** A bug: something threw. Recorded with the error; the provider retries the 500. */
  | { readonly code: "internal_error"; readonly detail: string };

/** The reason worth logging: the code, refined where the code alone hides it. */
export function logReason(r: Rejection): string {
  switch (r.code) {
    case "unauthenticated":
      return `${r.scheme}:${r.reason}`;
    case "rate_limited":
      return `rate_limited:${r.scope}`;
    case "route_misconfigured":
    case "store_unavailable":
    case "origin_unreachable":
    case "bad_request":
    case "internal_error":
      return `${r.code}: ${r.detail}`;
    default:
      return r.code;
  }
}

function json(status: number, error: string, requestId: string, headers: Record<string, string> = {}, extra = {}): Response {
  return new Response(JSON.stringify({ error, ...extra, requestId }), {
    status,
    headers: { "content-type": "application/json", "x-hookgate-request-id": requestId, ...headers },
  });
}

export function rejectionResponse(r: Rejection, requestId: string): Response {
  switch (r.code) {
    case "https_required":
      return json(403, r.code, requestId);
    case "loop_detected":
      return json(508, r.code, requestId);
    case "route_not_found":
      return json(404, r.code, requestId);
    case "route_misconfigured":
    case "store_unavailable":
      // 5xx: the provider retries, and the event survives until the config or store is back.
      return json(503, r.code, requestId, { "retry-after": String(MISCONFIGURED_RETRY_AFTER_SECONDS) });
    case "ip_not_allowed":
      return json(403, r.code, requestId);
    case "rate_limited":
      return json(429, r.code, requestId, { "retry-after": String(r.retryAfterSeconds) }, { limit: r.scope });
    case "method_not_allowed":
      return json(405, r.code, requestId, { allow: r.allow.join(", ") });
    case "unsupported_media_type":
      return json(415, r.code, requestId);
    case "payload_too_large":
      return json(413, r.code, requestId);
    case "bad_request":
      return json(400, r.code, requestId);
    case "unauthenticated":
      return json(401, r.code, requestId, r.challenge ? { "www-authenticate": r.challenge } : {});
    case "delivery_in_flight":
      // Not 200: the first copy may still fail, and then this copy's retry must get through.
      return json(409, r.code, requestId, { "retry-after": String(r.retryAfterSeconds) });
    case "origin_unreachable":
      return json(502, r.code, requestId, { "retry-after": String(ORIGIN_RETRY_AFTER_SECONDS) });
    case "origin_timeout":
      return json(504, r.code, requestId, { "retry-after": String(ORIGIN_RETRY_AFTER_SECONDS) });
    case "internal_error":
      return json(500, r.code, requestId);
  }
}
