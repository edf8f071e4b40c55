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
  /** A creation handshake carrying a secret (Asana, Notion) that was not stored: pipeline/capture.ts. */
  | { readonly code: "capture_refused"; readonly reason: "capture_not_armed" | "capture_expired" | "secret_already_set" }
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
    case "capture_refused":
      return `capture_refused:${r.reason}`;
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

/** What each logged reason means, in words for people (dashboard); keyed by the reason's last code. */
export const REASON_WORDS: Readonly<Record<string, string>> = {
  https_required: "sent over plain http",
  loop_detected: "came back from the gateway itself",
  route_not_found: "no route for this URL",
  route_misconfigured: "the route's config cannot be used",
  store_unavailable: "storage unavailable; the provider will retry",
  ip_not_allowed: "sender's IP is not on the allow-list",
  ip: "too many requests from this IP",
  route: "the route's quota is used up",
  auth_failures: "too many failed checks from this IP",
  method_not_allowed: "HTTP method not allowed",
  unsupported_media_type: "content type not allowed",
  payload_too_large: "body larger than the route allows",
  bad_request: "malformed request",
  delivery_in_flight: "a copy is being delivered right now",
  origin_unreachable: "the origin could not be reached",
  origin_timeout: "the origin did not answer in time",
  internal_error: "a gateway bug (recorded)",
  capture_not_armed: "a secret-carrying handshake while capture was not armed (hookgate capture)",
  capture_expired: "a secret-carrying handshake after the capture window closed",
  secret_already_set: "a secret-carrying handshake for a route that already holds its secret",
  missing_credentials: "no credentials",
  malformed_credentials: "credentials malformed",
  credentials_mismatch: "wrong credentials",
  missing_signature: "no signature",
  malformed_signature: "signature malformed",
  signature_mismatch: "signature does not match: wrong secret, or the body was changed",
  missing_timestamp: "no timestamp",
  malformed_timestamp: "timestamp malformed",
  stale_timestamp: "timestamp too old: a replay, or a clock far off",
  future_timestamp: "timestamp in the future",
  no_active_secret: "every secret of the route has expired",
  malformed_body: "body malformed",
  untrusted_certificate: "signing key or certificate not trusted (a kid the route does not pin, a certificate from elsewhere)",
};

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
    case "capture_refused":
      // The reason only: whether capture was armed is no secret, and the operator reads it in the provider's error.
      return json(r.reason === "secret_already_set" ? 409 : 403, r.reason, requestId);
  }
}
