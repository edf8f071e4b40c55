// What the signers share, for `hookgate send` and the test vectors alike. Node built-ins only:
// the CLI loads this beside the one provider's module it signs for, on Node 20 as well.
import { createHash, createHmac, createPrivateKey, randomBytes } from "node:crypto";

export const hmac = (algorithm, key, data, encoding) => createHmac(algorithm, key).update(data).digest(encoding);
export const sha256Hex = (data) => createHash("sha256").update(data).digest("hex");
export const hex = (n) => randomBytes(n).toString("hex");
export const json = (value) => JSON.stringify(value);
export const seconds = (ms) => Math.floor(ms / 1000);
export const concat = (...parts) => Buffer.concat(parts.map((p) => (Buffer.isBuffer(p) ? p : Buffer.from(String(p)))));
export const FORM = "application/x-www-form-urlencoded";
export const JSON_TYPE = "application/json";

/** The URL the provider signs: the public one it was given (plus the query as received), else the one called. */
export const signedUrl = (url, publicUrl) => (publicUrl ? publicUrl + new URL(url).search : String(url));

/** Twilio and Mandrill: each form field's key and value, sorted by key (Twilio also sorts repeated values). */
export function sortedParams(body) {
  const byKey = new Map();
  for (const [k, v] of new URLSearchParams(body.toString("utf8"))) byKey.set(k, [...new Set([...(byKey.get(k) ?? []), v])]);
  return [...byKey.keys()].sort().map((k) => byKey.get(k).sort().map((v) => k + v).join("")).join("");
}

/** Slack's and Zoom's `v0=` signature over `v0:<timestamp>:<body>`. */
export const v0Signature = (secret, timestamp, body) => `v0=${hmac("sha256", secret, concat(`v0:${timestamp}:`, body), "hex")}`;

/** GitHub's, Meta's and Intercom's `X-Hub-Signature[-256]`: `<algorithm>=` and the hex HMAC of the body. */
export const hubSignature = (algorithm, secret, body) => `${algorithm}=${hmac(algorithm, secret, body, "hex")}`;

/** HTTP Basic from `user:password`, as Postmark, Pipedrive and Chargebee send it. */
export const basicAuthorization = (credentials) => `Basic ${Buffer.from(credentials).toString("base64")}`;

/** The `send` of a provider that authenticates with Basic only (`--secret user:password`). */
export const basicEvent = (name) => (c) => ({
  body: c.body ?? json({ event: `${name}.test`, id: c.eventId ?? hex(8) }),
  headers: { "content-type": JSON_TYPE, authorization: basicAuthorization(c.need("secret")) },
});

/** A private key from `--key`: a PEM file's text, or for Ed25519 the 32-byte seed in hex. */
export function privateKey(text, kind) {
  const trimmed = text.trim();
  if (kind === "ed25519" && /^[0-9a-fA-F]{64}$/.test(trimmed)) {
    return createPrivateKey({ key: Buffer.concat([Buffer.from("302e020100300506032b657004220420", "hex"), Buffer.from(trimmed, "hex")]), format: "der", type: "pkcs8" });
  }
  const key = createPrivateKey(trimmed);
  const want = { ed25519: "ed25519", p256: "ec", rsa: "rsa" }[kind];
  if (key.asymmetricKeyType !== want) throw new Error(`the key is ${key.asymmetricKeyType}, not ${want}`);
  return key;
}

/** A random handshake challenge, and the GET that carries it in the query. */
export const challenge = () => hex(16);
export function getWith(c, params) {
  const url = new URL(c.url);
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  return { method: "GET", url, headers: {} };
}
