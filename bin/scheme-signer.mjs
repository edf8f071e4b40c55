// Signs a request the way a provider whose scheme is written down as data does
// (src/verify/presets/hmac-family.json): the one signer behind `hookgate send` and the
// test-vector generator for those presets, so the SDK and documented-vector checks of the
// generator cover what `send` produces. Node built-ins only.
import { createHmac, sign as signWith } from "node:crypto";

const HASH = { "hmac-sha1": "sha1", "hmac-sha256": "sha256", "hmac-sha512": "sha512" };
const PLACEHOLDER = /\{(body|timestamp|url|method|header:[A-Za-z0-9_-]+)\}/g;
const first = (h) => (Array.isArray(h) ? h[0] : h);

function keyBytes(secret, encoding) {
  if (encoding === "base64") return Buffer.from(secret, "base64");
  if (encoding === "hex") return Buffer.from(secret, "hex");
  return Buffer.from(secret, "utf8");
}

/** The bytes a scheme signs: its payload template filled in. */
export function signedBytes(template, { body, timestamp, url, method, headers }) {
  const parts = [];
  let last = 0;
  for (const m of template.matchAll(PLACEHOLDER)) {
    parts.push(Buffer.from(template.slice(last, m.index)));
    const name = m[1];
    if (name === "body") parts.push(Buffer.isBuffer(body) ? body : Buffer.from(body));
    else if (name === "timestamp") parts.push(Buffer.from(timestamp));
    else if (name === "url") parts.push(Buffer.from(url));
    else if (name === "method") parts.push(Buffer.from(method));
    else parts.push(Buffer.from(headers[name.slice(7).toLowerCase()] ?? ""));
    last = m.index + m[0].length;
  }
  parts.push(Buffer.from(template.slice(last)));
  return Buffer.concat(parts);
}

/** The signature header's value, laid out as the scheme's format says. */
function headerValue(format, signature, inHeader) {
  if (format.kind === "single") return `${format.prefix}${signature}`;
  if (format.kind === "list") return `${format.version},${signature}`;
  // `<timestamp>,<sig>`: the timestamp first, unnamed (Recurly).
  if (format.kind === "positional") return `${inHeader}${format.separator}${signature}`;
  const ts = inHeader === undefined ? [] : [`${format.timestampKey}=${inHeader}`];
  return [...ts, `${format.signatureKey}=${signature}`].join(format.separator);
}

/**
 * The headers that sign `body` under `scheme` at `now` (ms) with `secret` (for Ed25519
 * schemes `privateKey`, a node KeyObject; the route holds the public key): the signature
 * header, and the timestamp header where the scheme has one. `headers` (lower-case) are the
 * request's other headers, for `{header:Name}` in the payload.
 */
export function signScheme(scheme, { secret, privateKey, body, now, url = "", method = "POST", headers = {}, timestamp: given }) {
  const unit = scheme.timestamp?.unit;
  // `timestamp`: the provider's own text for it (a documented vector's), else `now` in the scheme's unit.
  const timestamp = unit === undefined ? undefined : (given ?? (unit === "iso" ? new Date(now).toISOString() : String(unit === "ms" ? now : Math.floor(now / 1000))));
  const out = {};
  if (scheme.timestamp?.header) out[first(scheme.timestamp.header).toLowerCase()] = timestamp;
  const payload = signedBytes(scheme.payload, { body, timestamp, url, method, headers: { ...headers, ...out } });
  const signature =
    scheme.algorithm === "ed25519"
      ? signWith(null, payload, privateKey).toString(scheme.encoding)
      : createHmac(HASH[scheme.algorithm], keyBytes(secret, scheme.keyEncoding)).update(payload).digest(scheme.encoding);
  // A timestamp without a header of its own travels in the signature header's pairs (`t=…`).
  out[first(scheme.header).toLowerCase()] = headerValue(scheme.format, signature, scheme.timestamp && !scheme.timestamp.header ? timestamp : undefined);
  return out;
}
