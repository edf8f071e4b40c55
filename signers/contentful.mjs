// Contentful (src/verify/presets/contentful.ts): `x-contentful-signature`, the hex HMAC-SHA256 of
// `<method>\n<path>\n<name>:<value>;…\n<body>` over the headers named in `x-contentful-signed-headers`
// (with it and `x-contentful-timestamp`, sorted), the path with its query as
// @contentful/node-apps-toolkit normalizes it. The toolkit's signRequest signs the vectors (ours
// must give the same bytes) and its verifyRequest checks them.
import { escape } from "node:querystring";
import { randomUUID } from "node:crypto";
import { concat, hex, hmac, json, sha256Hex, signedUrl } from "./lib.mjs";
import { agree, anySecret, atClock, attempt, EDGE_HOST, GATEWAY_TOKEN, HOST, iso, NOW_MS, once, vector } from "./vector.mjs";

export const CONTENTFUL_TYPE = "application/vnd.contentful.management.v1+json";
const SIGNED_HEADERS = "x-contentful-signed-headers";
const TIMESTAMP = "x-contentful-timestamp";

/** The toolkit's getNormalizedEncodedURI: the query through querystring.escape, then the whole through encodeURI. */
export function canonicalPath(url) {
  const u = new URL(url);
  const query = u.search.slice(1);
  return encodeURI(query ? `${u.pathname}?${escape(query)}` : u.pathname);
}

/**
 * The three headers Contentful adds for `headers` (lower-case names → values) signed at `timestamp`
 * (ms) on a request to `url` (the URL it was given, with the query it called).
 */
export function sign(secret, { method, url, headers, body, timestamp }) {
  const names = [...new Set([...Object.keys(headers), SIGNED_HEADERS, TIMESTAMP])].sort();
  const list = names.join(",");
  const value = (name) => (name === SIGNED_HEADERS ? list : name === TIMESTAMP ? String(timestamp) : String(headers[name]).trim());
  const canonical = concat(`${method}\n${canonicalPath(url)}\n${names.map((n) => `${n}:${value(n)}`).join(";")}\n`, body);
  return { "x-contentful-signature": hmac("sha256", secret, canonical, "hex"), [SIGNED_HEADERS]: list, [TIMESTAMP]: String(timestamp) };
}

/** An entry as Contentful sends it on publish. */
const entry = (id, now, title) => ({
  metadata: { tags: [] },
  sys: {
    type: "Entry",
    id,
    space: { sys: { type: "Link", linkType: "Space", id: "hookgatespace" } },
    environment: { sys: { id: "master", type: "Link", linkType: "Environment" } },
    contentType: { sys: { type: "Link", linkType: "ContentType", id: "article" } },
    revision: 3,
    createdAt: iso(now - 86_400_000),
    updatedAt: iso(now),
  },
  fields: { title: { "en-US": title } },
});

/** The headers every delivery carries that Contentful lists as signed in our samples. */
const deliveryHeaders = (topic, idempotencyKey, entryId) => ({
  "content-type": CONTENTFUL_TYPE,
  "x-contentful-crn": `crn:contentful:::content:spaces/hookgatespace/environments/master/entries/${entryId}`,
  "x-contentful-idempotency-key": idempotencyKey,
  "x-contentful-topic": topic,
  "x-contentful-webhook-name": "hookgate",
});

export function event(c) {
  const id = hex(11);
  const body = c.body ?? json(entry(id, c.now, "hookgate test"));
  const headers = deliveryHeaders("ContentManagement.Entry.publish", c.eventId ?? sha256Hex(randomUUID()), id);
  const url = signedUrl(c.url, c.publicUrl);
  return { body, headers: { ...headers, "x-contentful-webhook-request-attempt": "1", ...sign(c.need("secret"), { method: "POST", url, headers, body, timestamp: c.now }) } };
}

const sdk = once(() => import("@contentful/node-apps-toolkit"));

export async function vectors() {
  const { signRequest } = await sdk();
  const secret = "hookgate_provider_vectors_contentful_signing_secret_0123456789ab";
  if (secret.length !== 64) throw new Error("a Contentful signing secret has 64 characters");
  const source = "@contentful/node-apps-toolkit 3.16.1 signRequest, per https://www.contentful.com/developers/docs/webhooks/request-verification/";
  /** Signed by the toolkit, given the path and query as called; our signer must give the same headers. */
  const signed = (what, { method, url, headers, body }) => {
    const u = new URL(url);
    const theirs = signRequest(secret, { method, path: u.pathname + u.search, headers, body }, NOW_MS);
    const ours = sign(secret, { method, url, headers, body, timestamp: NOW_MS });
    for (const name of Object.keys(ours)) agree(`contentful: ${what}: ${name}`, ours[name], theirs[name]);
    return ours;
  };

  const publishKey = sha256Hex("hookgate contentful vector: Entry.publish");
  const publishBody = json(entry("5KsDBWseXY6QegucYAoacS", NOW_MS, "Hello, World!"));
  const publishHeaders = deliveryHeaders("ContentManagement.Entry.publish", publishKey, "5KsDBWseXY6QegucYAoacS");
  const publishUrl = `${HOST}/contentful`;

  // Another edge URL than the one Contentful was given (publicUrl), a query with the gateway's
  // token and escapes in path and query, and a webhook transformed to PUT.
  const publicUrl = `${HOST}/contentful/space%20one`;
  const query = `?auth=${GATEWAY_TOKEN}&topic=Entry.save&note=caf%C3%A9%20%2B1&tags=a,b`;
  const saveKey = sha256Hex("hookgate contentful vector: Entry.save");
  const saveBody = json(entry("2PtC9h1YqHA6YGZlzW3wKE", NOW_MS, "Café +1"));
  const saveHeaders = deliveryHeaders("ContentManagement.Entry.save", saveKey, "2PtC9h1YqHA6YGZlzW3wKE");
  agree("contentful: the signed path", canonicalPath(publicUrl + query), "/contentful/space%2520one?auth%253Dtk%2526topic%253DEntry.save%2526note%253Dcaf%2525C3%2525A9%252520%25252B1%2526tags%253Da%252Cb");

  // The list as sent without the two names verifyRequest adds itself: both are signed all the same.
  const shortKey = sha256Hex("hookgate contentful vector: Entry.unpublish");
  const shortBody = json({ sys: { type: "DeletedEntry", id: "6rGmGfMDYRaq5fFxmbYf5L", deletedAt: iso(NOW_MS) } });
  const shortHeaders = { "content-type": CONTENTFUL_TYPE, "x-contentful-topic": "ContentManagement.Entry.unpublish" };
  const short = signed("list without its own names", { method: "POST", url: publishUrl, headers: shortHeaders, body: shortBody });
  agree("contentful: the full list", short[SIGNED_HEADERS], `content-type,${SIGNED_HEADERS},${TIMESTAMP},x-contentful-topic`);

  return [
    vector({
      name: "contentful: ContentManagement.Entry.publish",
      provider: "contentful",
      source,
      method: { secrets: [secret] },
      request: {
        url: publishUrl,
        headers: { ...publishHeaders, "x-contentful-webhook-request-attempt": "1", ...signed("Entry.publish", { method: "POST", url: publishUrl, headers: publishHeaders, body: publishBody }) },
        body: publishBody,
      },
      eventId: publishKey,
    }),
    vector({
      name: "contentful: PUT via publicUrl, the query (gateway token, escapes) signed as the toolkit encodes it",
      provider: "contentful",
      source,
      method: { secrets: [secret], publicUrl },
      request: {
        method: "PUT",
        url: `${EDGE_HOST}/edge/contentful${query}`,
        headers: { ...saveHeaders, ...signed("PUT with a query", { method: "PUT", url: publicUrl + query, headers: saveHeaders, body: saveBody }) },
        body: saveBody,
      },
      eventId: saveKey,
    }),
    vector({
      name: "contentful: x-contentful-signed-headers naming neither of Contentful's own headers",
      provider: "contentful",
      source: `${source}; the list then sent without the two names verifyRequest signs whether listed or not`,
      method: { secrets: [secret] },
      request: {
        url: publishUrl,
        headers: { ...shortHeaders, "x-contentful-idempotency-key": shortKey, ...short, [SIGNED_HEADERS]: "content-type,x-contentful-topic" },
        body: shortBody,
      },
      eventId: shortKey,
    }),
  ];
}

export function oracle(v) {
  return {
    sdk: "@contentful/node-apps-toolkit 3.16.1 verifyRequest (TTL 30 s)",
    verify: async () => {
      const { verifyRequest } = await sdk();
      // The path and query Contentful called: the URL it was given (publicUrl) with the query received.
      const u = new URL(signedUrl(v.request.url, v.method.publicUrl));
      const request = { method: v.request.method, path: u.pathname + u.search, headers: v.request.headers, body: v.request.body };
      return atClock(v.now, () => anySecret(v, (s) => attempt(() => verifyRequest(s, request))));
    },
  };
}
