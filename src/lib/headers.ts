/** Header names the gateway sets or removes on the way to the origin. */

/** Connection-scoped headers (RFC 9110 §7.6.1): never relayed in either direction. */
export const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-authorization",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
]);

/** Request headers the runtime derives from the new request itself. */
export const REQUEST_MANAGED = new Set(["host", "content-length"]);

/** Set by the gateway; whatever a client sent under these names is dropped first. */
export const HOOKGATE_VERIFIED = "x-hookgate-verified";
export const HOOKGATE_REQUEST_ID = "x-hookgate-request-id";
/** Marks requests the gateway forwarded, so a misrouted origin pointing back at the gateway is caught. */
export const HOOKGATE_HOP = "x-hookgate-hop";

/** The media type without parameters, lower-cased: "application/json; charset=utf-8" -> "application/json". */
export function mediaType(contentType: string | null): string | null {
  if (contentType === null) return null;
  const type = contentType.split(";", 1)[0]!.trim().toLowerCase();
  return type === "" ? null : type;
}
