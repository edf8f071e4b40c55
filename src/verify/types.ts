/**
 * The one interface every authentication scheme implements. A verifier is built once
 * per route (keys imported, secrets hashed) and then checks requests as plain data.
 */

/** Why a request failed authentication: logged, never sent to the client. */
export type VerifyFailure =
  | "missing_credentials"
  | "malformed_credentials"
  | "credentials_mismatch"
  | "missing_signature"
  | "malformed_signature"
  | "signature_mismatch"
  | "missing_timestamp"
  | "malformed_timestamp"
  | "stale_timestamp"
  | "future_timestamp"
  | "no_active_secret"
  | "malformed_body"
  | "untrusted_certificate";

export interface VerifyInput {
  readonly method: string;
  readonly url: URL;
  readonly headers: Headers;
  /** The raw body bytes as received; empty for verifiers that do not need them. */
  readonly body: Uint8Array;
  /** Milliseconds since the epoch; injected so that tests fix the clock. */
  readonly now: number;
}

export type VerifyResult =
  | { readonly ok: true; readonly eventId?: string }
  | { readonly ok: false; readonly reason: VerifyFailure };

export interface Verifier {
  /** Names the scheme in logs and in the `x-hookgate-verified` header, e.g. "hmac:stripe". */
  readonly scheme: string;
  /** False for schemes that look only at the URL and headers: they run before the body is read. */
  readonly needsBody: boolean;
  /** Request headers or query parameters that carry gateway credentials and are not forwarded. */
  readonly strip: { readonly headers: readonly string[]; readonly query: readonly string[] };
  /** Headers carrying the signature: with the body, they key dedup when the provider sends no event id. */
  readonly signatureHeaders?: readonly string[];
  /**
   * True when the event id this verifier hands on is not covered by its signature (GitHub's
   * delivery header): a captured request could be replayed under a fresh id, so dedup also
   * keys on the signature and body.
   */
  readonly unsignedEventId?: boolean;
  /** Sent with a 401 when this verifier fails (HTTP Basic's `WWW-Authenticate`). */
  readonly challenge?: string;
  verify(input: VerifyInput): Promise<VerifyResult>;
  /**
   * Unsigned handshakes (Meta's GET `hub.challenge`, Mandrill's HEAD, Graph's
   * `validationToken`…), answered before authentication and before the body is read.
   * Returns null when the request is not one; `methods` are let past the route's method check.
   */
  readonly handshake?: Handshake;
  /**
   * Signed handshakes (Slack `url_verification`, Discord PING, Zoom `endpoint.url_validation`…),
   * asked only after every verifier passed: a Response answers the provider at the edge
   * instead of forwarding; null forwards as usual.
   */
  reply?(input: VerifyInput): Promise<Response | null>;
  /**
   * A provider's test request that carries no event and is not signed with the route's
   * secret (Mandrill's empty batch under its public key `test-webhook`): answered at the
   * edge once the body is read, before verification, and never verified, forwarded,
   * counted against the route's quota, deduplicated or queued. Null: not one.
   */
  testRequest?(input: VerifyInput): Promise<Response | null>;
  /**
   * A provider that hands the endpoint its signing secret once, when the webhook is created
   * (Asana's `X-Hook-Secret`, Notion's `verification_token`): the secret this request carries
   * when it is that handshake, undefined when it is not. Pure: whether it is stored is the
   * pipeline's decision (pipeline/capture.ts: only while an admin armed capture, and only
   * into a route that holds no secret yet).
   */
  captureRequest?(input: VerifyInput): CaptureRequest | undefined;
}

/** A creation handshake that carries the route's secret, and the answer the provider wants once it is stored. */
export interface CaptureRequest {
  readonly secret: string;
  answer(): Response;
}

export interface Handshake {
  readonly methods: readonly string[];
  answer(input: Omit<VerifyInput, "body">): Promise<Response | null>;
}

export const pass = (eventId?: string): VerifyResult => (eventId === undefined ? { ok: true } : { ok: true, eventId });
export const fail = (reason: VerifyFailure): VerifyResult => ({ ok: false, reason });
