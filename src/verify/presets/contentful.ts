/**
 * Contentful request verification (webhooks; app events and app actions are signed the same
 * way): `x-contentful-signature` is the hex HMAC-SHA256, keyed with the 64-character signing
 * secret as UTF-8, of the canonical request
 *
 *     <method> \n <path> \n <name>:<value>;<name>:<value>… \n <body>
 *
 * as `@contentful/node-apps-toolkit` builds it (`signRequest`, which its `verifyRequest`
 * re-runs; the webhook docs point to it, and it is this preset's oracle):
 * - the headers are the names in `x-contentful-signed-headers` plus the two it always signs,
 *   `x-contentful-signed-headers` and `x-contentful-timestamp` (listed or not), sorted, each
 *   once; the value of the first is that sorted list joined by `,`, of the second the
 *   timestamp (Unix ms), of every other its value trimmed. A listed header that is absent
 *   fails: Contentful signed its value. `x-contentful-signature` cannot be listed.
 * - the path is the one Contentful called, with its query, normalized as the toolkit does:
 *   `encodeURI(pathname + "?" + querystring.escape(query))`. Contentful does not say which
 *   path its servers sign, and its examples disagree (contentful-labs/request-verification-
 *   examples: Flask `request.path`, Gin `URL.Path`, Sinatra, Plug and Drogon take the path
 *   alone; PHP `REQUEST_URI` and Ktor `request.uri` take it with the query; the others hard-code
 *   `/`). The toolkit, the verifier the docs name, reads a query in `path` and its tests sign
 *   paths with one, so the path is taken with the query as received (the gateway's `?auth=`
 *   token in or out with `signedUrlToken`, another path with `publicUrl`). For a webhook URL
 *   without a query both readings are the same bytes: give Contentful such a URL. A query
 *   holding a second `?` is refused: the toolkit drops everything after it, so those bytes
 *   would be unsigned.
 * - the body is the bytes received.
 * Window: the toolkit's TTL, 30 s (`verifyRequest`'s default; contentful-labs' Java example
 * passes 30 too; the docs say only that the timestamp "can be used to ensure a TTL"), checked
 * both ways here (the toolkit checks age only); `toleranceSeconds` changes it.
 * Event id: `X-Contentful-Idempotency-Key`, which Contentful introduced to drop duplicate
 * deliveries; it is signed only when listed, so dedup also keys on the signature and body.
 * Retries: 2 more attempts 30 s apart by default; a custom retry policy (maxRetries ≤ 99)
 * retries for about 24 h, which sets dedup's retention.
 */
import { concatBytes, hexToBytes, utf8 } from "../../lib/encoding";
import { importSecretKeys, SchemeConfigError, verifySignature } from "../keys";
import { active } from "../secrets";
import { keptQuery } from "../signed-url";
import { timestampFailure } from "../timestamp";
import { fail, pass, type Verifier } from "../types";
import { SIGNED_URL, TOLERANCE } from "./options";
import { definePreset } from "./types";

export const CONTENTFUL_TOLERANCE_SECONDS = 30;
/** The most names `x-contentful-signed-headers` may list (Contentful signs a handful). */
export const MAX_SIGNED_HEADERS = 64;

export const SIGNATURE_HEADER = "x-contentful-signature";
export const SIGNED_HEADERS_HEADER = "x-contentful-signed-headers";
export const TIMESTAMP_HEADER = "x-contentful-timestamp";
export const IDEMPOTENCY_HEADER = "x-contentful-idempotency-key";

/** A header name as Contentful lists it: lower-case, an HTTP token, bounded. */
const LISTED_NAME_RE = /^[a-z0-9!#$%&'*+.^_`|~-]{1,128}$/;
/** Contentful's constraint on a signing secret: exactly 64 of these characters. */
const SECRET_RE = /^[0-9a-zA-Z+/=_-]{64}$/;

/**
 * The names `x-contentful-signed-headers` lists, with the two Contentful always signs, sorted
 * and each once; null when the list is malformed (an empty or non-lower-case entry, spaces,
 * more than MAX_SIGNED_HEADERS names, or the signature header itself).
 */
export function parseSignedHeaders(value: string): string[] | null {
  // 129 characters per name at most: anything longer cannot be a valid list.
  if (value.length > MAX_SIGNED_HEADERS * 129) return null;
  const entries = value.split(",");
  if (entries.length > MAX_SIGNED_HEADERS) return null;
  const names = new Set([SIGNED_HEADERS_HEADER, TIMESTAMP_HEADER]);
  for (const name of entries) {
    if (!LISTED_NAME_RE.test(name) || name === SIGNATURE_HEADER) return null;
    names.add(name);
  }
  return [...names].sort();
}

/** The query-string escape of Node's `querystring.escape`: the same unreserved set as encodeURIComponent. */
const escapeQuery = (query: string) => encodeURIComponent(query);

/**
 * The path as the toolkit signs it, from the path and query Contentful called: null when the
 * query holds a `?` (the toolkit would sign only what comes before it) or cannot be encoded.
 */
export function contentfulPath(pathname: string, search: string): string | null {
  const query = search.startsWith("?") ? search.slice(1) : search;
  if (query.includes("?") || pathname.includes("?")) return null;
  try {
    return encodeURI(query === "" ? pathname : `${pathname}?${escapeQuery(query)}`);
  } catch {
    return null; // a lone surrogate: never in a parsed URL
  }
}

export const contentful = definePreset({
  display: "Contentful",
  sources: [
    "https://www.contentful.com/developers/docs/webhooks/request-verification/",
    "https://github.com/contentful/node-apps-toolkit/blob/master/src/requests/sign-request.ts",
    "https://github.com/contentful-labs/request-verification-examples",
    "https://www.contentful.com/developers/changelog/idempotency-key-headers-for-webhook-requests/",
    "https://www.contentful.com/developers/docs/webhooks/retry-policy/",
  ],
  retryHours: 24, // 3 attempts in a minute by default; a custom retry policy retries for about 24 h
  options: { toleranceSeconds: TOLERANCE, ...SIGNED_URL },
  async build({ secrets, options: { toleranceSeconds = CONTENTFUL_TOLERANCE_SECONDS }, url: policy }): Promise<Verifier> {
    secrets.forEach((s, i) => {
      if (!SECRET_RE.test(s.value.trim())) throw new SchemeConfigError(`secret ${i} is not a Contentful signing secret (exactly 64 characters of A-Z, a-z, 0-9, +, /, =, _ and -)`);
    });
    const keys = await importSecretKeys(secrets, "hmac-sha256");
    const publicPath = policy.publicUrl === undefined ? undefined : new URL(policy.publicUrl).pathname;
    return {
      scheme: "hmac:contentful",
      needsBody: true,
      strip: { headers: [], query: [] },
      signatureHeaders: [SIGNATURE_HEADER],
      unsignedEventId: true, // the idempotency key is signed only when Contentful lists it
      async verify({ method, url, headers, body, now }) {
        const signatureHex = headers.get(SIGNATURE_HEADER);
        if (signatureHex === null) return fail("missing_signature");
        const signature = signatureHex.length === 64 ? hexToBytes(signatureHex) : null;
        if (!signature) return fail("malformed_signature");

        const rawTimestamp = headers.get(TIMESTAMP_HEADER);
        if (rawTimestamp === null) return fail("missing_timestamp");
        const late = timestampFailure(rawTimestamp, "ms", now, toleranceSeconds);
        if (late) return fail(late);

        const list = headers.get(SIGNED_HEADERS_HEADER);
        if (list === null) return fail("missing_signature");
        const names = parseSignedHeaders(list);
        if (!names) return fail("malformed_signature");
        const signed: string[] = [];
        for (const name of names) {
          // As the toolkit: the list recomputed, the timestamp as the number it reads.
          const value = name === SIGNED_HEADERS_HEADER ? names.join(",") : name === TIMESTAMP_HEADER ? String(Number(rawTimestamp)) : headers.get(name)?.trim();
          if (value === undefined) return fail("missing_signature");
          signed.push(`${name}:${value}`);
        }

        const path = contentfulPath(publicPath ?? url.pathname, keptQuery(url.search, policy.dropQuery ?? []));
        if (path === null) return fail("signature_mismatch");

        const valid = active(keys, now);
        if (valid.length === 0) return fail("no_active_secret");
        const data = concatBytes([utf8(`${method}\n${path}\n${signed.join(";")}\n`), body]);
        for (const key of valid) {
          if (await verifySignature(key, signature, data)) {
            const id = headers.get(IDEMPOTENCY_HEADER)?.trim();
            return pass(id === undefined || id === "" ? undefined : id);
          }
        }
        return fail("signature_mismatch");
      },
    };
  },
});

