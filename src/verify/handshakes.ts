/**
 * Verification handshakes answered at the edge, so the origin never has to know them.
 * Echoed values are capped and sent as text/plain with `nosniff` (or as JSON): an echo
 * endpoint must not become a way to serve a page from the provider's trusted host.
 */
import { bytesToBase64, bytesToHex, utf8 } from "../lib/encoding";
import { matchesAnyDigest, sha256 } from "../lib/constant-time";
import { mediaType } from "../lib/headers";
import { signedUrl, type UrlPolicy } from "./signed-url";
import { BodyFields, fieldAt } from "../lib/json-field";
import type { CaptureRequest, Handshake, VerifyInput } from "./types";

const MAX_ECHO_CHARS = 2048;
const COMMON = { "cache-control": "no-store", "x-content-type-options": "nosniff", "x-hookgate-handshake": "true" };

export const textReply = (status: number, text: string) =>
  new Response(text, { status, headers: { ...COMMON, "content-type": "text/plain; charset=utf-8" } });

export const jsonReply = (status: number, value: unknown) =>
  new Response(JSON.stringify(value), { status, headers: { ...COMMON, "content-type": "application/json" } });

/** A 200 with no body: all some checks want (Mandrill's and Trello's HEAD, WooCommerce's ping). */
export const emptyReply = () => new Response(null, { status: 200, headers: COMMON });

/** Echo `?param=` back as text/plain (Microsoft Graph's `validationToken`, Dropbox's `challenge`). */
export function echoQuery(method: string, param: string): Handshake {
  return {
    methods: [method],
    async answer({ method: m, url }) {
      if (m !== method) return null;
      const value = url.searchParams.get(param);
      if (value === null) return null;
      return value === "" || value.length > MAX_ECHO_CHARS ? textReply(400, "bad handshake") : textReply(200, value);
    },
  };
}

/** Meta: `GET ?hub.mode=subscribe&hub.verify_token=…&hub.challenge=…`; a wrong token is 403. */
export async function metaSubscribe(verifyToken: string | undefined): Promise<Handshake> {
  const digest = verifyToken === undefined ? undefined : await sha256(verifyToken);
  return {
    methods: ["GET"],
    async answer({ method, url }) {
      if (method !== "GET" || !url.searchParams.has("hub.mode")) return null;
      const challenge = url.searchParams.get("hub.challenge") ?? "";
      const token = url.searchParams.get("hub.verify_token") ?? "";
      // No verifyToken configured: the handshake is refused, never answered for anyone.
      const ok = digest !== undefined && url.searchParams.get("hub.mode") === "subscribe" && token !== "" && (await matchesAnyDigest(token, [digest]));
      if (!ok) return textReply(403, "verify token mismatch");
      return challenge === "" || challenge.length > MAX_ECHO_CHARS ? textReply(400, "bad handshake") : textReply(200, challenge);
    },
  };
}

/** An HMAC-SHA256 of `message` with the first secret, for handshakes that prove we hold it. */
async function hmacSha256(secret: string, message: string): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey("raw", utf8(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return new Uint8Array(await crypto.subtle.sign("HMAC", key, utf8(message)));
}

/** True when the first non-whitespace character (as JSON counts whitespace) is `{`. */
export function startsLikeJsonObject(text: string): boolean {
  return /^[ \t\n\r]*\{/.test(text);
}

/** X (Twitter) CRC: `GET ?crc_token=` → `{"response_token":"sha256=<base64 HMAC>"}`. */
export function xCrc(secret: () => string | undefined): Handshake {
  return {
    methods: ["GET"],
    async answer({ method, url }) {
      if (method !== "GET" || !url.searchParams.has("crc_token")) return null;
      const token = url.searchParams.get("crc_token")!;
      const key = secret();
      if (!key) return textReply(503, "no active secret");
      if (token === "" || token.length > MAX_ECHO_CHARS) return textReply(400, "bad handshake");
      // The answer is a valid delivery signature for a body equal to the token, so a token that
      // could be a delivery (a JSON object) is never signed: the x preset only accepts objects.
      if (startsLikeJsonObject(token)) return textReply(400, "bad handshake");
      return jsonReply(200, { response_token: `sha256=${bytesToBase64(await hmacSha256(key, token))}` });
    },
  };
}

/** Okta event hooks: a one-time `GET` with `x-okta-verification-challenge` → `{"verification": …}`. */
export const oktaVerification: Handshake = {
  methods: ["GET"],
  async answer({ method, headers }) {
    const challenge = headers.get("x-okta-verification-challenge");
    if (method !== "GET" || challenge === null) return null;
    return challenge === "" || challenge.length > MAX_ECHO_CHARS ? textReply(400, "bad handshake") : jsonReply(200, { verification: challenge });
  },
};

/** Mandrill checks a new webhook URL with a HEAD and expects a 200. */
export const headCheck: Handshake = {
  methods: ["HEAD"],
  async answer({ method }) {
    return method === "HEAD" ? emptyReply() : null;
  },
};

/** LinkedIn's `challengeCode`: "Randomly generated type-4 UUID string" (any UUID layout is taken, in either case). */
const UUID_RE = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/**
 * LinkedIn's endpoint validation: `GET ?challengeCode=<uuid>` (and `applicationId` for
 * parent-child apps) → `{"challengeCode", "challengeResponse": hex HMAC-SHA256(clientSecret,
 * challengeCode)}` as application/json. Answered before authentication: only the holder of
 * the secret can compute it. The answer is a hex HMAC under the key deliveries are signed
 * with, and LinkedIn signs `hmacsha256=` + body, so no UUID can be a signed message; the code
 * must be a UUID (as LinkedIn sends it), so the answer is never a signature for anything else.
 */
export function linkedinValidation(secret: () => string | undefined): Handshake {
  return {
    methods: ["GET"],
    async answer({ method, url }) {
      if (method !== "GET" || !url.searchParams.has("challengeCode")) return null;
      const challengeCode = url.searchParams.get("challengeCode")!;
      const key = secret();
      if (!key) return textReply(503, "no active secret");
      if (!UUID_RE.test(challengeCode)) return textReply(400, "bad handshake");
      return jsonReply(200, { challengeCode, challengeResponse: bytesToHex(await hmacSha256(key, challengeCode)) });
    },
  };
}

/**
 * eBay's endpoint validation: `GET ?challenge_code=…` → `{"challengeResponse": hex SHA-256 of
 * challengeCode + verificationToken + endpoint}` as JSON, the endpoint being the URL eBay was
 * given (the request's without `challenge_code`, or `publicUrl`), in that order as eBay's SDKs
 * hash it (`generateChallengeResponse`, `EndpointValidator`). Answered before authentication:
 * the request is unsigned, and only the token's holder can compute the answer. No token: refused.
 */
export function ebayChallenge(verificationToken: string | undefined, policy: UrlPolicy): Handshake {
  const endpointPolicy: UrlPolicy = { ...policy, dropQuery: [...(policy.dropQuery ?? []), "challenge_code"] };
  return {
    methods: ["GET"],
    async answer({ method, url }) {
      if (method !== "GET" || !url.searchParams.has("challenge_code")) return null;
      const code = url.searchParams.get("challenge_code")!;
      if (!verificationToken) return jsonReply(503, { error: "no verification token" });
      if (code === "" || code.length > MAX_ECHO_CHARS) return jsonReply(400, { error: "bad handshake" });
      const digest = await crypto.subtle.digest("SHA-256", utf8(code + verificationToken + signedUrl(url, endpointPolicy)));
      return jsonReply(200, { challengeResponse: bytesToHex(new Uint8Array(digest)) });
    },
  };
}

const DIGITS_RE = /^[0-9]{1,20}$/;
const ascii = new TextDecoder();

/**
 * WooCommerce's creation ping (`WC_Webhook::deliver_ping`): a POST whose body is exactly
 * `webhook_id=<id>`, form-encoded (WordPress's HTTP API sends a string body as
 * `application/x-www-form-urlencoded`), with no signature: it must get a 200 or the webhook
 * is not saved. Only that exact shape, with none of `signatureHeaders`, is answered (200, no
 * body, never forwarded); anything else unsigned is refused by the signature check as before.
 */
export function formPing(field: string, signatureHeaders: readonly string[]) {
  const prefix = `${field}=`;
  return async ({ method, headers, body }: VerifyInput): Promise<Response | null> => {
    if (method !== "POST" || signatureHeaders.some((h) => headers.has(h))) return null;
    if (mediaType(headers.get("content-type")) !== "application/x-www-form-urlencoded") return null;
    if (body.length <= prefix.length || body.length > prefix.length + 20) return null;
    const text = ascii.decode(body);
    return text.startsWith(prefix) && DIGITS_RE.test(text.slice(prefix.length)) ? emptyReply() : null;
  };
}

/** Handshakes that pass authentication first (Mailchimp's GET carries the URL token). */
export const acceptMethod = (method: string): Handshake => ({ methods: [method], answer: async () => null });

// ---- signed handshakes: asked only after the request verified --------------------------------

type Reply = (input: VerifyInput) => Promise<Response | null>;

/**
 * A signed request whose header `header` says `value` is a challenge: answered with the body's
 * `field` as text (Twitch's `webhook_callback_verification`, `challenge`). Asked only after
 * the signature verified, like every signed handshake.
 */
export function signedEcho(header: string, value: string, field: string): Reply {
  return async ({ headers, body }) => {
    if (headers.get(header) !== value) return null;
    const challenge = new BodyFields(body).text(field);
    if (challenge === undefined || challenge === "" || challenge.length > MAX_ECHO_CHARS) return textReply(400, "bad handshake");
    return textReply(200, challenge);
  };
}

/**
 * A signed request carrying the challenge in header `header`: answered `{"<field>": <value>}`
 * as JSON (Front's application webhook validation, `x-front-challenge` → `{"challenge"}`).
 * Asked only after the signature verified.
 */
export function headerChallenge(header: string, field: string): Reply {
  return async ({ headers }) => {
    const challenge = headers.get(header);
    if (challenge === null) return null;
    if (challenge === "" || challenge.length > MAX_ECHO_CHARS) return jsonReply(400, { error: "bad handshake" });
    return jsonReply(200, { [field]: challenge });
  };
}

/** Slack: a signed `{"type":"url_verification","challenge":…}` is answered with the challenge. */
export const slackUrlVerification: Reply = async ({ body }) => {
  const fields = new BodyFields(body);
  if (fields.text("type") !== "url_verification") return null;
  const challenge = fields.text("challenge");
  return challenge === undefined ? jsonReply(400, { error: "bad handshake" }) : jsonReply(200, { challenge });
};

/** Discord: a verified PING (`"type": 1`) is answered with PONG. */
export const discordPing: Reply = async ({ body }) => (new BodyFields(body).text("type") === "1" ? jsonReply(200, { type: 1 }) : null);

/** Zoom: `endpoint.url_validation` → `{plainToken, encryptedToken: hex HMAC-SHA256(secret, plainToken)}`. */
export function zoomUrlValidation(secret: () => string | undefined): Reply {
  return async ({ body }) => {
    const fields = new BodyFields(body);
    if (fields.text("event") !== "endpoint.url_validation") return null;
    const plainToken = fields.text("payload.plainToken");
    const key = secret();
    if (plainToken === undefined || plainToken.length > MAX_ECHO_CHARS || !key) return jsonReply(400, { error: "bad handshake" });
    return jsonReply(200, { plainToken, encryptedToken: bytesToHex(await hmacSha256(key, plainToken)) });
  };
}

/** Xero's intent to receive: a verified delivery with no events is answered 200 at the edge. */
export const xeroIntentToReceive: Reply = async ({ body }) => {
  const events = (new BodyFields(body).value() as { events?: unknown } | undefined)?.events;
  return Array.isArray(events) && events.length === 0 ? new Response(null, { status: 200, headers: COMMON }) : null;
};

/** Mailchimp validates the URL with a GET that carries the URL token: answered once it verified. */
export const mailchimpValidation: Reply = async ({ method }) => (method === "GET" ? textReply(200, "ok") : null);

// ---- creation handshakes that carry the route's secret: stored only while armed (pipeline/capture.ts)

/** What a captured secret may be: visible ASCII, no spaces, at most 1024 characters (Asana's are 64 hex digits, Notion's `secret_…`). */
const CAPTURABLE_RE = /^[\x21-\x7e]{1,1024}$/;
/** A Notion verification request is one small JSON object: anything larger is not one. */
const MAX_TOKEN_BODY_BYTES = 4096;

/**
 * Asana's creation handshake (https://developers.asana.com/reference/createwebhook): a POST
 * carrying `X-Hook-Secret` and no `X-Hook-Signature`, answered 200 with the same header and
 * value. The secret then keys every delivery's `X-Hook-Signature`. The body is not read (the
 * docs show none; some receivers see `{}`).
 */
export function asanaHookSecret({ method, headers }: VerifyInput): CaptureRequest | undefined {
  const secret = headers.get("x-hook-secret");
  if (method !== "POST" || secret === null || headers.has("x-hook-signature") || !CAPTURABLE_RE.test(secret)) return undefined;
  return { secret, answer: () => new Response(null, { status: 200, headers: { ...COMMON, "x-hook-secret": secret } }) };
}

/**
 * Notion's subscription verification (https://developers.notion.com/reference/webhooks, step
 * 2): one unsigned POST whose JSON body carries `verification_token`, which the operator pastes
 * into Notion's integration settings and which then keys every event's `X-Notion-Signature`.
 * Only a POST without that header, whose body is a JSON object with a string token, is one;
 * Notion asks for no particular answer, so it gets an empty 200.
 */
export function notionVerificationToken({ method, headers, body }: VerifyInput): CaptureRequest | undefined {
  if (method !== "POST" || headers.has("x-notion-signature") || body.length === 0 || body.length > MAX_TOKEN_BODY_BYTES) return undefined;
  const secret = fieldAt(new BodyFields(body).value(), "verification_token");
  if (typeof secret !== "string" || !CAPTURABLE_RE.test(secret)) return undefined;
  return { secret, answer: emptyReply };
}
