// The presets whose scheme is data (src/verify/presets/hmac-family.json): signed by
// bin/scheme-signer.mjs, for `send` and for the vectors, so the SDK and documented-vector checks
// below cover what `send` produces. The SDK oracles are keyed by provider name.
import { readFileSync } from "node:fs";
import { signScheme } from "../bin/scheme-signer.mjs";
import { challenge, FORM, hex, json, JSON_TYPE } from "./lib.mjs";
import { anySecret, atClock, attempt, ED25519_PRIVATE, ED25519_PUBLIC_HEX, HOST, NOW_MS, once, vector } from "./vector.mjs";

const FAMILY = JSON.parse(readFileSync(new URL("../src/verify/presets/hmac-family.json", import.meta.url), "utf8"));
const BY_NAME = new Map(FAMILY.map((e) => [e.name, e]));

const first = (h) => (Array.isArray(h) ? h[0] : h);
/** The header the scheme reads the event id from, if any (lower-case). */
const idHeader = (e) => e.scheme.eventId?.header && first(e.scheme.eventId.header).toLowerCase();

/** A JSON body with its id where the scheme reads one from the body (a dotted path). */
function withJsonId(path, id, payload) {
  const out = { ...payload };
  const keys = path.split(".");
  let at = out;
  for (const k of keys.slice(0, -1)) at = at[k] = { ...(at[k] ?? {}) };
  at[keys.at(-1)] = id;
  return out;
}

/** A JSON delivery's headers under the entry's scheme: content type, event id header, `extra`, and what signs the body. */
function signedHeaders(e, key, { id, body, now, url, extra = {} }) {
  const headers = { "content-type": JSON_TYPE, ...(idHeader(e) && { [idHeader(e)]: id }), ...extra };
  return { ...headers, ...signScheme(e.scheme, { ...key, body: Buffer.from(body), now, url, method: "POST", headers }) };
}

/** A secret the scheme decodes (hex, base64) must be that encoding: Node would silently sign with a truncated key. */
function encodedSecret(e, secret) {
  const ok = { hex: /^(?:[0-9a-fA-F]{2})+$/, base64: /^[A-Za-z0-9+/]+={0,2}$/ }[e.scheme.keyEncoding];
  if (ok && !ok.test(secret)) throw new Error(`--secret for ${e.name} must be ${e.scheme.keyEncoding} (the key as ${e.display} shows it)`);
  return secret;
}

/** Twitch's signed challenge body: the challenge and the subscription it confirms. */
const signedEchoBody = (e, value) => json({ [e.reply.field]: value, subscription: { id: `sub_${hex(8)}`, status: "webhook_callback_verification_pending" } });
/** Front's validation body, as its docs show it. */
const syncBody = () => json({ type: "sync", authorization: { id: `cmp_${hex(4)}` } });

/**
 * The check the entry's provider makes when the webhook is created (`hookgate send --handshake`):
 * its unsigned one (a HEAD, a GET challenge, a form ping), else its signed challenge.
 */
function handshakeOf(e) {
  const h = e.handshake;
  if (h?.kind === "head") return (c) => ({ method: "HEAD", url: c.url, headers: {} });
  if (h?.kind === "echo") {
    return (c) => {
      const url = new URL(c.url);
      url.searchParams.set(h.param, challenge());
      return { method: h.method, url, headers: {} };
    };
  }
  if (h?.kind === "formPing") return (c) => ({ body: `${h.field}=${1 + Number.parseInt(hex(2), 16)}`, headers: { "content-type": FORM } });
  const r = e.reply;
  if (!r) return undefined;
  return (c) => {
    const id = c.eventId ?? `evt_${hex(12)}`;
    const [body, extra] = r.kind === "signedEcho" ? [signedEchoBody(e, challenge()), { [r.header]: r.value }] : [syncBody(), { [r.header]: challenge() }];
    return { body, headers: signedHeaders(e, { secret: encodedSecret(e, c.need("secret")) }, { id, body, now: c.now, url: c.url.href, extra }) };
  };
}

export function sender(name) {
  const e = BY_NAME.get(name);
  const ed = e.scheme.algorithm === "ed25519";
  const handshake = handshakeOf(e);
  return {
    event(c) {
      const id = c.eventId ?? `evt_${hex(12)}`;
      const sample = { type: `${e.name}.test`, created_at: new Date(c.now).toISOString(), data: { id: `obj_${hex(6)}` } };
      const body = c.body ?? json(e.scheme.eventId?.jsonField ? withJsonId(e.scheme.eventId.jsonField, id, sample) : sample);
      const key = ed ? { privateKey: c.key ?? c.need("key") } : { secret: encodedSecret(e, c.need("secret")) };
      return { body, headers: signedHeaders(e, key, { id, body, now: c.now, url: c.url.href }) };
    },
    ...(handshake && { handshake }),
    ...(ed && { keyKind: "ed25519" }),
  };
}

function vectorSecret(e, i) {
  const raw = Buffer.alloc(32, 0x60 + i);
  if (e.scheme.keyEncoding === "hex") return raw.toString("hex");
  if (e.scheme.keyEncoding === "base64") return raw.toString("base64");
  return `${e.name}_provider_vectors_secret_${i}`;
}

/**
 * Each entry: a request signed per its documented algorithm, its handshake or signed challenge,
 * and its documented vector where the provider publishes one, which the signer must reproduce
 * (so the entry is checked against the provider's own numbers, not only against itself).
 */
export async function vectors() {
  const out = [];
  for (const [i, e] of FAMILY.entries()) {
    const secret = vectorSecret(e, i);
    const id = `evt_${e.name.replace(/-/g, "")}_vector_0001`;
    const payload = { type: `${e.name}.test`, data: { id: `obj_${i}`, amount: 1999 } };
    const body = json(e.scheme.eventId?.jsonField ? withJsonId(e.scheme.eventId.jsonField, id, payload) : payload);
    const url = `${HOST}/${e.name}`;
    // Ed25519 schemes: the committed RFC 8032 key pair; the route holds the raw public key in the scheme's encoding.
    const ed = e.scheme.algorithm === "ed25519";
    const routeSecret = ed ? Buffer.from(ED25519_PUBLIC_HEX, "hex").toString(e.scheme.keyEncoding === "hex" ? "hex" : "base64") : secret;
    out.push(
      vector({
        name: `${e.name}: documented algorithm`,
        provider: e.name,
        source: `${e.source}: "${e.quote.slice(0, 200)}" (signed by bin/scheme-signer.mjs, the signer of hookgate send)`,
        method: { secrets: [routeSecret] },
        request: { url, headers: signedHeaders(e, { secret, privateKey: ED25519_PRIVATE }, { id, body, now: NOW_MS, url }), body },
        ...(e.scheme.eventId && { eventId: id }),
      }),
    );
    if (e.handshake?.kind === "head") {
      out.push(vector({ name: `${e.name}: HEAD check`, provider: e.name, source: `${e.source} (the URL is checked with a HEAD that must get 200)`, method: { secrets: [secret] }, request: { method: "HEAD", url, headers: {} }, reply: { status: 200, body: "" } }));
    } else if (e.handshake?.kind === "echo") {
      const challenge = `${e.name}-challenge-4kGcDqj3`;
      out.push(
        vector({
          name: `${e.name}: challenge (${e.handshake.method})`,
          provider: e.name,
          source: `${e.source} (${e.handshake.method} ?${e.handshake.param}= is answered with the value)`,
          method: { secrets: [secret] },
          request: { method: e.handshake.method, url: `${url}?${e.handshake.param}=${challenge}`, headers: {} },
          reply: { status: 200, contentType: "text/plain", body: challenge },
        }),
      );
    } else if (e.handshake?.kind === "formPing") {
      // WordPress's fsockopen transport names the charset; its cURL transport sends the bare type.
      out.push(
        vector({
          name: `${e.name}: creation ping (unsigned form)`,
          provider: e.name,
          source: `${e.source} (the creation ping: a POST of exactly ${e.handshake.field}=<id>, form-encoded and unsigned, must get 200)`,
          method: { secrets: [secret] },
          request: { url, headers: { "content-type": "application/x-www-form-urlencoded; charset=UTF-8", "user-agent": "WooCommerce/9.8.5 Hookshot (WordPress/6.8.1)" }, body: `${e.handshake.field}=42` },
          reply: { status: 200, body: "" },
        }),
      );
    }
    if (e.reply?.kind === "headerChallenge") {
      const challenge = `${e.name}-challenge-7Qm2xVb9`;
      const syncBody = json({ type: "sync", authorization: { id: "cmp_abc" } });
      out.push(
        vector({
          name: `${e.name}: signed challenge (${e.reply.header})`,
          provider: e.name,
          source: `${e.source} (the signed validation request carries ${e.reply.header}; answered {"${e.reply.field}": …} once its signature verified)`,
          method: { secrets: [secret] },
          request: { url, headers: signedHeaders(e, { secret }, { id, body: syncBody, now: NOW_MS, url, extra: { [e.reply.header]: challenge } }), body: syncBody },
          reply: { status: 200, contentType: "application/json", body: json({ [e.reply.field]: challenge }) },
        }),
      );
    }
    if (e.reply?.kind === "signedEcho") {
      const challenge = `${e.name}-challenge-pogChamp-4kGc`;
      const challengeBody = json({ challenge, subscription: { id: "sub_vector", status: "webhook_callback_verification_pending" } });
      out.push(
        vector({
          name: `${e.name}: signed challenge`,
          provider: e.name,
          source: `${e.source} (a signed request with ${e.reply.header}: ${e.reply.value} is answered with its ${e.reply.field})`,
          method: { secrets: [secret] },
          request: { url, headers: signedHeaders(e, { secret }, { id, body: challengeBody, now: NOW_MS, url, extra: { [e.reply.header]: e.reply.value } }), body: challengeBody },
          reply: { status: 200, contentType: "text/plain", body: challenge },
        }),
      );
    }
    const doc = e.documentedVector;
    if (doc) out.push(documentedVector(e, doc, url));
  }
  return out;
}

/** The provider's published example, re-signed by the scheme signer, which must reproduce its signature. */
function documentedVector(e, doc, url) {
  const unit = e.scheme.timestamp?.unit;
  const isoMs = (t) => Date.parse(/Z|[+-]\d{2}:\d{2}$/.test(t) ? t : `${t}Z`); // no zone: UTC, as the providers send it
  const now = !doc.timestamp ? NOW_MS : unit === "iso" ? isoMs(doc.timestamp) : Number(doc.timestamp) * (unit === "ms" ? 1 : 1000);
  const ours = signScheme(e.scheme, { secret: doc.secret, body: Buffer.from(doc.body), now, url: doc.url ?? url, headers: doc.headers ?? {}, ...(doc.timestamp && { timestamp: doc.timestamp }) });
  const header = first(e.scheme.header).toLowerCase();
  if (!ours[header].includes(doc.signature)) throw new Error(`${e.name}: documented vector does not reproduce (${ours[header]} vs ${doc.signature})`);
  return vector({
    name: `${e.name}: documented vector`,
    provider: e.name,
    source: `documented vector: ${doc.source ?? e.source}`,
    method: { secrets: [doc.secret] },
    request: { url: doc.url ?? url, headers: { "content-type": "application/json", ...(doc.headers ?? {}), ...ours }, body: doc.body },
    now,
    ...(doc.eventId && { eventId: doc.eventId }),
  });
}

/** The entries' own SDKs: `load` makes the client (once), `verify` returns true/false or throws on a bad signature. */
const SDKS = {
  razorpay: { sdk: "razorpay 2 Razorpay.validateWebhookSignature", load: once(async () => (await import("razorpay")).default), verify: (Razorpay, body, h, s) => Razorpay.validateWebhookSignature(body, h["x-razorpay-signature"], s) },
  line: { sdk: "@line/bot-sdk 11 validateSignature", load: once(() => import("@line/bot-sdk")), verify: (line, body, h, s) => line.validateSignature(body, s, h["x-line-signature"]) },
  gocardless: { sdk: "gocardless-nodejs 10 webhooks.verifySignature", load: once(() => import("gocardless-nodejs/webhooks")), verify: (gocardless, body, h, s) => (gocardless.verifySignature(body, s, h["webhook-signature"]), true) },
  "coinbase-commerce": { sdk: "coinbase-commerce-node 1 Webhook.verifySigHeader", load: once(async () => (await import("coinbase-commerce-node")).default), verify: (coinbase, body, h, s) => coinbase.Webhook.verifySigHeader(body, h["x-cc-webhook-signature"], s) },
  workos: {
    sdk: "@workos-inc/node 12 webhooks.verifyHeader",
    load: once(async () => new (await import("@workos-inc/node")).WorkOS("sk_test_provider_vectors")),
    verify: async (workos, body, h, s) => (await workos.webhooks.verifyHeader({ payload: JSON.parse(body), sigHeader: h["workos-signature"], secret: s, tolerance: 180_000 }), true),
  },
  mux: { sdk: "@mux/mux-node 15 webhooks.verifySignature", load: once(async () => new (await import("@mux/mux-node")).default({ tokenId: "provider-vectors", tokenSecret: "not-used" })), verify: async (mux, body, h, s) => (await mux.webhooks.verifySignature(body, h, s), true) },
  onfido: { sdk: "@onfido/api 6 WebhookEventVerifier.readPayload", load: once(() => import("@onfido/api")), verify: (onfido, body, h, s) => (new onfido.WebhookEventVerifier(s).readPayload(body, h["x-sha2-signature"]), true) },
  mailersend: { sdk: "mailersend 3 MailerSendUtils.verifyWebHook", load: once(async () => (await import("mailersend/lib/services/mailersend.utils.js")).MailerSendUtils), verify: (utils, body, h, s) => utils.verifyWebHook(Buffer.from(body), h.signature, s) },
  orb: { sdk: "orb-billing 5 webhooks.verifySignature", load: once(async () => new (await import("orb-billing")).default({ apiKey: "provider-vectors" })), verify: (orb, body, h, s) => (orb.webhooks.verifySignature(body, h, s), true) },
  webflow: { sdk: "webflow-api 3 webhooks.verifySignature", load: once(async () => new (await import("webflow-api")).WebflowClient({ accessToken: "provider-vectors" })), verify: (webflow, body, h, s) => webflow.webhooks.verifySignature({ headers: h, body, secret: s }) },
  pusher: {
    sdk: "pusher 5 webhook().isValid",
    load: once(async () => (await import("pusher")).default),
    verify: (Pusher, body, h, s) => new Pusher({ appId: "1", key: "provider-vectors", secret: s, cluster: "mt1" }).webhook({ headers: { ...h, "x-pusher-key": "provider-vectors" }, rawBody: body }).isValid(),
  },
  telnyx: { sdk: "telnyx 7 webhooks.unwrap", load: once(async () => new (await import("telnyx")).default({ apiKey: "provider-vectors" })), verify: async (telnyx, body, h, s) => (await telnyx.webhooks.unwrap(body, { headers: h, key: s }), true) },
  sanity: { sdk: "@sanity/webhook 4 isValidSignature", load: once(() => import("@sanity/webhook")), verify: (sanity, body, h, s) => sanity.isValidSignature(body, h["sanity-webhook-signature"], s) },
  // Adyen's platform webhooks: the README's validateHMACSignature(hmacKey, signature from the header, payload).
  "adyen-platform": {
    sdk: "@adyen/api-library 32 hmacValidator.validateHMACSignature",
    load: once(async () => new (await import("@adyen/api-library")).hmacValidator()),
    verify: (validator, body, h, s) => validator.validateHMACSignature(s, h.hmacsignature, body),
  },
};

export function oracle(v) {
  const entry = SDKS[v.provider];
  if (!entry) return null;
  return {
    sdk: entry.sdk,
    verify: async () => {
      const lib = await entry.load();
      return atClock(v.now, () => anySecret(v, (s) => attempt(() => entry.verify(lib, v.request.body, v.request.headers, s))));
    },
  };
}
