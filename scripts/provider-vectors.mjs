#!/usr/bin/env node
/**
 * Writes test/vectors/providers.json: one signed request (or handshake) per case, made by
 * the provider's OWN library where one exists, else taken from the provider's documented
 * test vector, else signed with node:crypto following the provider's documented algorithm
 * (each vector's `source` says which). A verifier tested only against our own signer
 * proves nothing, so:
 *   - where an SDK can sign (stripe, octokit, svix, standardwebhooks, twilio, hubspot),
 *     it signs;
 *   - where an SDK can only verify (square, paddle, linear, discord-interactions,
 *     @sendgrid/eventwebhook, @slack/bolt, @shopify/shopify-api, @zoom/rivet), node:crypto
 *     signs and the SDK must accept, or this throws;
 *   - where a documented vector exists (GitHub, Slack, Standard Webhooks, Twilio, Square,
 *     SendGrid), it is used as is and, where we also sign, our signature must equal it.
 *
 * Deterministic: fixed secrets, bodies and keys; timestamped schemes sign at
 * NOW_MS = 1_790_000_000_000 (unix 1790000000) unless a documented vector fixes its own
 * time (then `now` is that time). ECDSA (SendGrid) signatures are randomized: an existing
 * signature in the committed file is kept when the SDK still accepts it for the same
 * key, timestamp and body; otherwise a fresh one is made (and the file changes).
 *
 * SDKs check time with Date.now(): each SDK call runs under a fixed clock (atClock).
 *
 * Usage: node scripts/provider-vectors.mjs          (writes the file)
 *        import { generate, sdkOracle } from it     (test/node/provider-vectors.test.ts)
 */
import crypto from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { signScheme } from "../bin/scheme-signer.mjs";
import { IncomingMessage, ServerResponse } from "node:http";
import { Socket } from "node:net";
import { isDeepStrictEqual } from "node:util";
import { fileURLToPath } from "node:url";

export const NOW_MS = 1_790_000_000_000;
export const TS = NOW_MS / 1000; // 1790000000
export const VECTORS_FILE = fileURLToPath(new URL("../test/vectors/providers.json", import.meta.url));

/** Our gateway's own query token (a route's `?auth=`), which providers then sign as part of the URL. */
const GATEWAY_TOKEN = "tk";
const HOST = "https://hooks.example.com";
/** The URL the edge sees when the provider was given another one (publicUrl cases). */
const EDGE_HOST = "https://hookgate.example.workers.dev";

// ---- helpers ------------------------------------------------------------------------------

const hmac = (algorithm, key, data, encoding) => crypto.createHmac(algorithm, key).update(data, "utf8").digest(encoding);
const sha256Hex = (data) => crypto.createHash("sha256").update(data, "utf8").digest("hex");
const iso = (ms) => new Date(ms).toISOString();

/** Runs fn with Date.now() and `new Date()` fixed at ms: the SDKs check freshness against the clock. */
async function atClock(ms, fn) {
  const RealDate = globalThis.Date;
  class FixedDate extends RealDate {
    constructor(...args) {
      super(...(args.length === 0 ? [ms] : args));
    }
    static now() {
      return ms;
    }
  }
  globalThis.Date = FixedDate;
  try {
    return await fn();
  } finally {
    globalThis.Date = RealDate;
  }
}

/** One vector, keys in a fixed order, header names lower-case. */
function vector({ name, provider, source, method, request, now = NOW_MS, eventId, reply }) {
  const headers = Object.fromEntries(Object.entries(request.headers ?? {}).map(([k, v]) => [k.toLowerCase(), String(v)]));
  return {
    name,
    provider,
    source,
    method: { type: "provider", provider, ...method },
    request: { method: request.method ?? "POST", url: request.url, headers, body: request.body ?? "" },
    now,
    ...(eventId !== undefined && { eventId }),
    ...(reply !== undefined && { reply }),
  };
}

const json = (value) => JSON.stringify(value);
/** `application/x-www-form-urlencoded`, in the given order (spaces as `+`, as providers send). */
const form = (pairs) => new URLSearchParams(pairs).toString();
/** Form fields as the Twilio SDK wants them: repeated keys become arrays. */
function formParams(body) {
  const params = {};
  for (const [k, v] of new URLSearchParams(body)) {
    if (k in params) params[k] = [].concat(params[k], v);
    else params[k] = v;
  }
  return params;
}
/** The URL a provider signed: publicUrl (scheme, host, path) + the query as received, else the URL itself. */
function signedUrlOf(v) {
  if (!v.method.publicUrl) return v.request.url;
  const u = new URL(v.request.url);
  return v.method.publicUrl + u.search;
}

// SDKs, loaded once (some take a second or two).
const sdk = {};
async function load() {
  if (sdk.loaded) return sdk;
  sdk.Stripe = (await import("stripe")).default;
  sdk.octokit = await import("@octokit/webhooks-methods");
  sdk.svix = await import("svix");
  sdk.standardwebhooks = await import("standardwebhooks");
  sdk.twilio = (await import("twilio")).default;
  sdk.hubspot = await import("@hubspot/api-client");
  sdk.square = await import("square");
  // Paddle's webhooks helper needs the runtime its client sets up: use it as documented, via new Paddle(apiKey).
  // isSignatureValid is unmarshal's check without building the typed event (which wants a full transaction).
  const { Paddle, Environment } = await import("@paddle/paddle-node-sdk");
  sdk.paddle = new Paddle("pdl_sdbx_apikey_provider_vectors_not_used", { environment: Environment.sandbox });
  sdk.linear = await import("@linear/sdk/webhooks");
  sdk.discord = await import("discord-interactions");
  sdk.sendgrid = (await import("@sendgrid/eventwebhook")).default;
  sdk.slack = await import("@slack/bolt");
  // Shopify's library runs on an adapter, registered by importing it first (as documented).
  await import("@shopify/shopify-api/adapters/node");
  sdk.shopify = await import("@shopify/shopify-api");
  sdk.zoom = await import("@zoom/rivet/meetings");
  sdk.stripe = new sdk.Stripe("sk_test_provider_vectors");
  // The data-only HMAC presets' SDKs (oracles for hmac-family.json entries).
  sdk.razorpay = (await import("razorpay")).default;
  sdk.line = await import("@line/bot-sdk");
  sdk.gocardless = await import("gocardless-nodejs/webhooks");
  sdk.coinbase = (await import("coinbase-commerce-node")).default;
  sdk.workos = new (await import("@workos-inc/node")).WorkOS("sk_test_provider_vectors");
  sdk.mux = new (await import("@mux/mux-node")).default({ tokenId: "provider-vectors", tokenSecret: "not-used" });
  sdk.onfido = await import("@onfido/api");
  sdk.mailersend = (await import("mailersend/lib/services/mailersend.utils.js")).MailerSendUtils;
  sdk.orb = new (await import("orb-billing")).default({ apiKey: "provider-vectors" });
  sdk.sanity = await import("@sanity/webhook");
  sdk.payos = (await import("@payos/node")).PayOS;
  sdk.telnyx = new (await import("telnyx")).default({ apiKey: "provider-vectors" });
  sdk.webflow = new (await import("webflow-api")).WebflowClient({ accessToken: "provider-vectors" });
  sdk.Pusher = (await import("pusher")).default;
  sdk.loaded = true;
  return sdk;
}

// ---- key material committed here, so every run signs with the same keys ------------------

/** RFC 8032 §7.1 test 1 secret key: Discord's key pair, reproducible and itself documented. */
const ED25519_SEED_HEX = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
const ed25519Private = crypto.createPrivateKey({
  key: Buffer.concat([Buffer.from("302e020100300506032b657004220420", "hex"), Buffer.from(ED25519_SEED_HEX, "hex")]),
  format: "der",
  type: "pkcs8",
});
const ED25519_PUBLIC_HEX = Buffer.from(crypto.createPublicKey(ed25519Private).export({ format: "jwk" }).x, "base64url").toString("hex");

/** SendGrid: a fixed P-256 key (JWK); the route gets its SPKI in base64 as SendGrid shows it. */
const SENDGRID_JWK = {
  kty: "EC",
  crv: "P-256",
  x: "6XxjagwS5GgtIpZHvxpBleOJTqwElI19qRMoP0kkHeE",
  y: "WiE7LMsoo-6YUuMx1-j7YznEjXnbLPk-fwQ70drTXOE",
  d: "Pt_TOxH9il2vqCjgaE5G_LK2H-IERCWdO22Z1Id1SCI",
};
const sendgridPrivate = crypto.createPrivateKey({ key: SENDGRID_JWK, format: "jwk" });
const SENDGRID_SPKI_B64 = crypto.createPublicKey(sendgridPrivate).export({ format: "der", type: "spki" }).toString("base64");

// ---- providers: one function each ---------------------------------------------------------

async function stripe() {
  const { stripe } = await load();
  const oldSecret = "whsec_provider_vectors_old_0a1b2c3d4e5f60718293a4b5c6d7e8f9";
  const secret = "whsec_provider_vectors_new_f9e8d7c6b5a4938271605f4e3d2c1b0a";
  const body = json({
    id: "evt_1VecT0rStripeA1b2C3d4",
    object: "event",
    api_version: "2026-08-27.basil",
    created: TS,
    type: "payment_intent.succeeded",
    livemode: false,
    pending_webhooks: 1,
    data: { object: { id: "pi_3VecT0rStripe", object: "payment_intent", amount: 2000, currency: "eur", status: "succeeded" } },
  });
  const header = (s) => stripe.webhooks.generateTestHeaderString({ payload: body, secret: s, timestamp: TS });
  const source = "stripe-node 23 webhooks.generateTestHeaderString";
  // Rotation: Stripe sends one v1 per active secret; the route knows only the new one, signed second.
  const v1 = (s) => header(s).split(",")[1];
  return [
    vector({
      name: "stripe: payment_intent.succeeded",
      provider: "stripe",
      source,
      method: { secrets: [secret] },
      request: { url: `${HOST}/stripe`, headers: { "content-type": "application/json; charset=utf-8", "stripe-signature": header(secret) }, body },
      eventId: "evt_1VecT0rStripeA1b2C3d4",
    }),
    vector({
      name: "stripe: two v1 (rotation)",
      provider: "stripe",
      source,
      method: { secrets: [secret] },
      request: {
        url: `${HOST}/stripe`,
        headers: { "content-type": "application/json; charset=utf-8", "stripe-signature": `t=${TS},${v1(oldSecret)},${v1(secret)}` },
        body,
      },
      eventId: "evt_1VecT0rStripeA1b2C3d4",
    }),
  ];
}

async function github() {
  const { octokit } = await load();
  // Documented vector: https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries#testing-the-webhook-payload-validation
  const docSecret = "It's a Secret to Everybody";
  const docBody = "Hello, World!";
  const docSignature = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";
  if ((await octokit.sign(docSecret, docBody)) !== docSignature) throw new Error("github: @octokit/webhooks-methods disagrees with GitHub's documented vector");
  const secret = "gh-webhook-secret-provider-vectors";
  const delivery = "72d3162e-cc78-11e3-81ab-4c9367dc0958";
  const body = json({
    zen: "Keep it logically awesome.",
    hook_id: 123456789,
    hook: { type: "Repository", id: 123456789, active: true, events: ["push"], config: { content_type: "json", insecure_ssl: "0", url: `${HOST}/github` } },
    repository: { id: 35129377, full_name: "octocat/hello-world" },
    sender: { login: "octocat", id: 1 },
  });
  const base = { "content-type": "application/json", "user-agent": "GitHub-Hookshot/044aadd", "x-github-event": "ping", "x-github-hook-id": "123456789" };
  return [
    vector({
      name: "github: documented vector (Hello, World!)",
      provider: "github",
      source:
        "documented vector: https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries#testing-the-webhook-payload-validation (reproduced by @octokit/webhooks-methods 6 sign)",
      method: { secrets: [docSecret] },
      request: {
        url: `${HOST}/github`,
        headers: { ...base, "x-github-delivery": "9f3c2a4e-0000-4000-8000-000000000001", "x-hub-signature-256": docSignature },
        body: docBody,
      },
      eventId: "9f3c2a4e-0000-4000-8000-000000000001",
    }),
    vector({
      name: "github: ping (sha256)",
      provider: "github",
      source: "@octokit/webhooks-methods 6 sign",
      method: { secrets: [secret] },
      request: { url: `${HOST}/github`, headers: { ...base, "x-github-delivery": delivery, "x-hub-signature-256": await octokit.sign(secret, body) }, body },
      eventId: delivery,
    }),
    // octokit v6 signs SHA-256 only: the legacy SHA-1 header follows GitHub's docs with node:crypto.
    vector({
      name: "github: legacy sha1 only (legacySha1)",
      provider: "github",
      source: "node:crypto HMAC-SHA1 per https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries (X-Hub-Signature)",
      method: { secrets: [secret], legacySha1: true },
      request: {
        url: `${HOST}/github`,
        headers: { ...base, "x-github-delivery": delivery, "x-hub-signature": `sha1=${hmac("sha1", secret, body, "hex")}` },
        body,
      },
      eventId: delivery,
    }),
  ];
}

async function gitlab() {
  const token = "glpat-free-text-webhook-token-provider-vectors";
  const uuid = "4e1d3a52-8a7b-4a93-9f3e-6b1a2c3d4e5f";
  const body = json({
    object_kind: "push",
    event_name: "push",
    before: "95790bf891e76fee5e1747ab589903a6a1f80f22",
    after: "da1560886d4f094c3e6c9ef40349f7d38b5d27d7",
    ref: "refs/heads/main",
    user_username: "jsmith",
    project: { id: 15, path_with_namespace: "mike/diaspora" },
    total_commits_count: 0,
  });
  return [
    vector({
      name: "gitlab: push (X-Gitlab-Token)",
      provider: "gitlab",
      source: "documented scheme: https://docs.gitlab.com/user/project/integrations/webhooks/ (the token is sent as is)",
      method: { secrets: [token] },
      request: {
        url: `${HOST}/gitlab`,
        headers: {
          "content-type": "application/json",
          "user-agent": "GitLab/18.4.0",
          "x-gitlab-event": "Push Hook",
          "x-gitlab-token": token,
          "x-gitlab-instance": "https://gitlab.example.com",
          "x-gitlab-webhook-uuid": "a1b2c3d4-0000-4000-8000-00000000beef",
          "x-gitlab-event-uuid": uuid,
          "idempotency-key": uuid,
        },
        body,
      },
      eventId: uuid,
    }),
  ];
}

async function gitlabSigning() {
  const { standardwebhooks } = await load();
  const secret = `whsec_${Buffer.alloc(32, 0x47).toString("base64")}`;
  const id = "d7a6e2b0-3c1f-4f5e-9a8b-7c6d5e4f3a2b";
  const body = json({
    object_kind: "push",
    event_name: "push",
    ref: "refs/heads/main",
    project: { id: 15, path_with_namespace: "mike/diaspora" },
    total_commits_count: 0,
  });
  const signature = new standardwebhooks.Webhook(secret).sign(id, new Date(NOW_MS), body);
  return [
    vector({
      name: "gitlab-signing: push (Standard Webhooks headers)",
      provider: "gitlab-signing",
      source: "standardwebhooks 1.1 Webhook.sign (GitLab's signing token is Standard Webhooks: https://gitlab.com/gitlab-org/gitlab/-/merge_requests/230944)",
      method: { secrets: [secret] },
      request: {
        url: `${HOST}/gitlab`,
        headers: {
          "content-type": "application/json",
          "x-gitlab-event": "Push Hook",
          "x-gitlab-event-uuid": id,
          "idempotency-key": id,
          "webhook-id": id,
          "webhook-timestamp": String(TS),
          "webhook-signature": signature,
        },
        body,
      },
      eventId: id,
    }),
  ];
}

async function shopify() {
  // @shopify/shopify-api only verifies: node:crypto signs per the docs; shopify.webhooks.validate must accept.
  const secret = "shpss_provider_vectors_0123456789abcdef";
  const id = "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043";
  const body = json({
    id: 820982911946154508,
    email: "jon@example.com",
    created_at: "2026-09-21T08:53:20-04:00",
    total_price: "19.99",
    currency: "EUR",
    note: "Grüße",
  });
  return [
    vector({
      name: "shopify: orders/create",
      provider: "shopify",
      source:
        "node:crypto base64 HMAC-SHA256 per https://shopify.dev/docs/apps/build/webhooks/verify-deliveries, accepted by @shopify/shopify-api 15 webhooks.validate (node adapter)",
      method: { secrets: [secret] },
      request: {
        url: `${HOST}/shopify`,
        headers: {
          "content-type": "application/json",
          "x-shopify-topic": "orders/create",
          "x-shopify-hmac-sha256": hmac("sha256", secret, body, "base64"),
          "x-shopify-shop-domain": "example.myshopify.com",
          "x-shopify-api-version": "2026-07",
          "x-shopify-webhook-id": id,
          "x-shopify-event-id": "98880550-7158-44d4-b7cd-2c97c8a091b5",
          "x-shopify-triggered-at": iso(NOW_MS),
        },
        body,
      },
      eventId: id,
    }),
  ];
}

async function slack() {
  const source = "https://api.slack.com/authentication/verifying-requests-from-slack";
  // Documented vector (slash command), at its own time.
  const docSecret = "8f742231b10e8888abcd99yyyzzz85a5";
  const docTs = 1531420618;
  const docBody =
    "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
  const docSignature = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";
  const sign = (secret, ts, body) => `v0=${hmac("sha256", secret, `v0:${ts}:${body}`, "hex")}`;
  if (sign(docSecret, docTs, docBody) !== docSignature) throw new Error("slack: documented vector does not reproduce");
  // @slack/bolt only verifies: node:crypto signs per the same page; verifySlackRequest must accept (every vector).
  const secret = "slack-signing-secret-provider-vectors-0123";
  const event = json({
    token: "XXYYZZ",
    team_id: "T061EG9R6",
    api_app_id: "A0PNCHHK2",
    event: {
      type: "app_mention",
      user: "U061F7AUR",
      text: "<@U0LAN0Z89> is it everything a river should be?",
      ts: "1790000000.000200",
      channel: "C0LAN2Q65",
      event_ts: "1790000000.000200",
    },
    type: "event_callback",
    event_id: "Ev0PV52K21",
    event_time: TS,
  });
  const challenge = json({ token: "Jhj5dZrVaK7ZwHHjRyZWjbDl", challenge: "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P", type: "url_verification" });
  const headers = (ts, body, s) => ({ "content-type": "application/json", "x-slack-request-timestamp": String(ts), "x-slack-signature": sign(s, ts, body) });
  return [
    vector({
      name: "slack: documented vector (slash command)",
      provider: "slack",
      source: `documented vector: ${source}; @slack/bolt 5 verifySlackRequest accepts`,
      method: { secrets: [docSecret] },
      request: {
        url: `${HOST}/slack`,
        headers: { "content-type": "application/x-www-form-urlencoded", "x-slack-request-timestamp": String(docTs), "x-slack-signature": docSignature },
        body: docBody,
      },
      now: docTs * 1000,
    }),
    vector({
      name: "slack: event_callback",
      provider: "slack",
      source: `node:crypto per ${source}, accepted by @slack/bolt 5 verifySlackRequest`,
      method: { secrets: [secret] },
      request: { url: `${HOST}/slack`, headers: headers(TS, event, secret), body: event },
      eventId: "Ev0PV52K21",
    }),
    vector({
      name: "slack: url_verification (signed handshake)",
      provider: "slack",
      source: `node:crypto per ${source} and https://api.slack.com/events/url_verification, accepted by @slack/bolt 5 verifySlackRequest`,
      method: { secrets: [secret] },
      request: { url: `${HOST}/slack`, headers: headers(TS, challenge, secret), body: challenge },
      reply: { status: 200, contentType: "application/json", body: json({ challenge: "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" }) },
    }),
  ];
}

async function meta() {
  const source = "https://developers.facebook.com/docs/graph-api/webhooks/getting-started";
  const secret = "meta-app-secret-provider-vectors-abcdef";
  const verifyToken = "meatyhamhock";
  // Meta sends (and signs) unicode escaped: this body holds the six characters \u00e4, not "ä".
  const body = String.raw`{"object":"page","entry":[{"id":"0","time":1790000000,"messaging":[{"sender":{"id":"12334"},"recipient":{"id":"23245"},"timestamp":1790000000000,"message":{"mid":"m_ehhe9GqzK","text":"\u00e4\u00f6\u00e5 gr\u00fc\u00dfe"}}]}]}`;
  return [
    vector({
      name: "meta: page message with escaped unicode",
      provider: "meta",
      source: `node:crypto HMAC-SHA256 over the raw (escaped) body per ${source}#event-notifications`,
      method: { secrets: [secret], verifyToken },
      request: {
        url: `${HOST}/meta`,
        headers: {
          "content-type": "application/json",
          "x-hub-signature-256": `sha256=${hmac("sha256", secret, body, "hex")}`,
          "x-hub-signature": `sha1=${hmac("sha1", secret, body, "hex")}`,
        },
        body,
      },
    }),
    vector({
      name: "meta: subscribe handshake (GET hub.challenge)",
      provider: "meta",
      source: `documented handshake: ${source}#verification-requests`,
      method: { secrets: [secret], verifyToken },
      request: { method: "GET", url: `${HOST}/meta?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=${verifyToken}`, headers: {} },
      reply: { status: 200, contentType: "text/plain", body: "1158201444" },
    }),
  ];
}

async function discord() {
  const source =
    "node:crypto Ed25519 (RFC 8032 test key 1), accepted by discord-interactions 4 verifyKey; https://discord.com/developers/docs/interactions/overview#setting-up-an-endpoint-validating-security-request-headers";
  const sign = (ts, body) => crypto.sign(null, Buffer.from(`${ts}${body}`, "utf8"), ed25519Private).toString("hex");
  const command = json({
    id: "1290000000000000001",
    application_id: "1280000000000000000",
    type: 2,
    token: "aW50ZXJhY3Rpb24gdG9rZW4",
    version: 1,
    data: { id: "1270000000000000000", name: "hello", type: 1 },
    guild_id: "1260000000000000000",
    channel_id: "1250000000000000000",
  });
  const ping = json({ id: "1290000000000000002", application_id: "1280000000000000000", type: 1, token: "cGluZyB0b2tlbg", version: 1 });
  const headers = (body) => ({ "content-type": "application/json", "x-signature-ed25519": sign(TS, body), "x-signature-timestamp": String(TS) });
  return [
    vector({
      name: "discord: application command",
      provider: "discord",
      source,
      method: { secrets: [ED25519_PUBLIC_HEX] },
      request: { url: `${HOST}/discord`, headers: headers(command), body: command },
      eventId: "1290000000000000001",
    }),
    vector({
      name: "discord: PING (signed handshake)",
      provider: "discord",
      source,
      method: { secrets: [ED25519_PUBLIC_HEX] },
      request: { url: `${HOST}/discord`, headers: headers(ping), body: ping },
      reply: { status: 200, contentType: "application/json", body: json({ type: 1 }) },
    }),
  ];
}

async function twilio() {
  const { twilio } = await load();
  const docs = "twilio-python tests/unit/test_request_validator.py (same vectors in twilio-php RequestValidatorTest)";
  // Documented vectors: token 12345, URL with a query.
  const token = "12345";
  const url = "https://mycompany.com/myapp.php?foo=1&bar=2";
  const callBody = form([
    ["CallSid", "CA1234567890ABCDE"],
    ["Caller", "+14158675309"],
    ["Digits", "1234"],
    ["From", "+14158675309"],
    ["To", "+18005551212"],
  ]);
  const repeatedBody = form([
    ["Sid", "CA123"],
    ["SidAccount", "AC123"],
    ["Digits", "5678"],
    ["Digits", "1234"],
    ["Digits", "1234"],
  ]);
  const jsonBody = '{"property": "value", "boolean": true}';
  const jsonUrl = `${url}&bodySHA256=${twilio.getExpectedBodyHash(jsonBody)}`;
  const sign = (u, body) => twilio.getExpectedTwilioSignature(token, u, formParams(body));
  const expect = (name, got, want) => {
    if (got !== want) throw new Error(`twilio: ${name}: SDK gives ${got}, documented ${want}`);
    return want;
  };
  const formHeaders = { "content-type": "application/x-www-form-urlencoded", "i-twilio-idempotency-token": "a5f3e0b2-1c4d-4e6f-8a9b-0c1d2e3f4a5b" };
  const eventId = formHeaders["i-twilio-idempotency-token"];
  const out = [
    vector({
      name: "twilio: documented vector (form)",
      provider: "twilio",
      source: `documented vector: ${docs}; twilio-node 6 getExpectedTwilioSignature agrees`,
      method: { secrets: [token] },
      request: { url, headers: { ...formHeaders, "x-twilio-signature": expect("form", sign(url, callBody), "RSOYDt4T1cUTdK1PDd93/VVr8B8=") }, body: callBody },
      eventId,
    }),
    vector({
      name: "twilio: documented vector signed with :443",
      provider: "twilio",
      source: `documented vector: ${docs} (test_validation_adds_port_on_https); twilio-node 6 agrees`,
      method: { secrets: [token] },
      request: {
        url,
        headers: {
          ...formHeaders,
          "x-twilio-signature": expect(":443", sign("https://mycompany.com:443/myapp.php?foo=1&bar=2", callBody), "kvajT1Ptam85bY51eRf/AJRuM3w="),
        },
        body: callBody,
      },
      eventId,
    }),
    vector({
      name: "twilio: documented vector (repeated params)",
      provider: "twilio",
      source: `documented vector: ${docs} (duplicate multi dict); twilio-node 6 agrees`,
      method: { secrets: [token] },
      request: {
        url,
        headers: { ...formHeaders, "x-twilio-signature": expect("repeated", sign(url, repeatedBody), "IK+Dwps556ElfBT0I3Rgjkr1wJU=") },
        body: repeatedBody,
      },
      eventId,
    }),
    vector({
      name: "twilio: documented vector (JSON, bodySHA256)",
      provider: "twilio",
      source: `documented vector: ${docs} (validation of body); twilio-node 6 validateRequestWithBody accepts`,
      method: { secrets: [token] },
      request: {
        url: jsonUrl,
        headers: {
          "content-type": "application/json",
          "i-twilio-idempotency-token": eventId,
          "x-twilio-signature": expect("bodySHA256", twilio.getExpectedTwilioSignature(token, jsonUrl, null), "a9nBmqA0ju/hNViExpshrM61xv4="),
        },
        body: jsonBody,
      },
      eventId,
    }),
  ];
  // Our own route: the provider was given the URL with the gateway's ?auth= token, so signed it.
  const ownToken = "twilio-auth-token-provider-vectors-0001";
  const smsUrl = `${HOST}/twilio?auth=${GATEWAY_TOKEN}`;
  const sms = form([
    ["ToCountry", "DE"],
    ["SmsMessageSid", "SM11111111111111111111111111111111"],
    ["NumMedia", "0"],
    ["From", "+4915112345678"],
    ["To", "+4930123456789"],
    ["Body", "Grüße & 100% +1"],
    ["AccountSid", "AC22222222222222222222222222222222"],
    ["MessageSid", "SM11111111111111111111111111111111"],
    ["ApiVersion", "2010-04-01"],
  ]);
  out.push(
    vector({
      name: "twilio: SMS to a URL with the gateway token (?auth=tk signed)",
      provider: "twilio",
      source: "twilio-node 6 getExpectedTwilioSignature (full URL incl. query)",
      method: { secrets: [ownToken] },
      request: {
        url: smsUrl,
        headers: { ...formHeaders, "x-twilio-signature": twilio.getExpectedTwilioSignature(ownToken, smsUrl, formParams(sms)) },
        body: sms,
      },
      eventId,
    }),
  );
  return out;
}

async function mailchimp() {
  // Mailchimp Marketing is unsigned: the URL token is the credential (our `?auth=`).
  const source = "documented scheme (unsigned; URL secret): https://mailchimp.com/developer/marketing/guides/sync-audience-data-webhooks/";
  const token = "mc-url-token-provider-vectors-8b1f2e3d4c5a6978";
  const body = form([
    ["type", "subscribe"],
    ["fired_at", "2026-09-21 12:53:20"],
    ["data[id]", "8a25ff1d98"],
    ["data[list_id]", "a6b5da1054"],
    ["data[email]", "api@mailchimp.com"],
    ["data[email_type]", "html"],
    ["data[ip_opt]", "10.20.10.30"],
    ["data[merges][EMAIL]", "api@mailchimp.com"],
    ["data[merges][FNAME]", "Mailchimp"],
  ]);
  return [
    vector({
      name: "mailchimp: subscribe (form, URL token)",
      provider: "mailchimp",
      source,
      method: { secrets: [token] },
      request: { url: `${HOST}/mailchimp?auth=${token}`, headers: { "content-type": "application/x-www-form-urlencoded", "user-agent": "MailChimp" }, body },
    }),
    vector({
      name: "mailchimp: GET validation",
      provider: "mailchimp",
      source,
      method: { secrets: [token] },
      request: { method: "GET", url: `${HOST}/mailchimp?auth=${token}`, headers: { "user-agent": "MailChimp" } },
      reply: { status: 200, contentType: "text/plain", body: "ok" },
    }),
  ];
}

async function mandrill() {
  // No Mandrill SDK with a verifier: node:crypto per the docs, over the URL Mandrill was given.
  const key = "mandrill-webhook-key-provider-vectors-A1b2C3";
  const publicUrl = `${HOST}/mandrill`;
  const events = json([
    {
      event: "send",
      _id: "exampleaaaaaaaaaaaaaaaaaaaaaaaaa",
      ts: TS,
      msg: {
        ts: TS,
        subject: "Grüße",
        email: "example.webhook@mandrillapp.com",
        sender: "example.sender@mandrillapp.com",
        state: "sent",
        tags: ["webhook-example"],
      },
    },
  ]);
  const body = form([["mandrill_events", events]]);
  const signedUrl = `${publicUrl}?auth=${GATEWAY_TOKEN}`;
  const signature = hmac("sha1", key, `${signedUrl}mandrill_events${events}`, "base64");
  return [
    vector({
      name: "mandrill: send event, signed over the public URL",
      provider: "mandrill",
      source: "node:crypto per https://mailchimp.com/developer/transactional/guides/track-respond-activity-webhooks/#authenticating-webhook-requests",
      method: { secrets: [key], publicUrl },
      request: {
        url: `${EDGE_HOST}/mandrill?auth=${GATEWAY_TOKEN}`,
        headers: { "content-type": "application/x-www-form-urlencoded", "user-agent": "Mandrill-Webhook/1.0", "x-mandrill-signature": signature },
        body,
      },
    }),
  ];
}

async function standardWebhooks() {
  const { standardwebhooks } = await load();
  const spec = "https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md";
  // Documented vector, at its own time; the reference library must reproduce it.
  const doc = {
    secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
    id: "msg_p5jXN8AQM9LWM0D4loKWxJek",
    ts: 1614265330,
    body: '{"test": 2432232314}',
    signature: "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
  };
  if (new standardwebhooks.Webhook(doc.secret).sign(doc.id, new Date(doc.ts * 1000), doc.body) !== doc.signature)
    throw new Error("standard-webhooks: documented vector does not reproduce");
  const oldSecret = `whsec_${Buffer.alloc(32, 0x01).toString("base64")}`;
  const secret = `whsec_${Buffer.alloc(32, 0x02).toString("base64")}`;
  const id = "msg_2VecT0rStandardWebhooks0";
  const body = json({ type: "invoice.paid", timestamp: iso(NOW_MS), data: { id: "inv_123", amount: 1999 } });
  const sign = (s) => new standardwebhooks.Webhook(s).sign(id, new Date(NOW_MS), body);
  const headers = (signature) => ({ "content-type": "application/json", "webhook-id": id, "webhook-timestamp": String(TS), "webhook-signature": signature });
  return [
    vector({
      name: "standard-webhooks: documented vector",
      provider: "standard-webhooks",
      source: `documented vector: ${spec} (reproduced by standardwebhooks 1.1 Webhook.sign)`,
      method: { secrets: [doc.secret] },
      request: {
        url: `${HOST}/standard`,
        headers: { "content-type": "application/json", "webhook-id": doc.id, "webhook-timestamp": String(doc.ts), "webhook-signature": doc.signature },
        body: doc.body,
      },
      now: doc.ts * 1000,
      eventId: doc.id,
    }),
    vector({
      name: "standard-webhooks: two signatures (rotation)",
      provider: "standard-webhooks",
      source: "standardwebhooks 1.1 Webhook.sign (one v1 per secret, space-separated)",
      method: { secrets: [secret] },
      request: { url: `${HOST}/standard`, headers: headers(`${sign(oldSecret)} ${sign(secret)}`), body },
      eventId: id,
    }),
  ];
}

async function svix() {
  const { svix } = await load();
  const secret = `whsec_${Buffer.alloc(24, 0x53).toString("base64")}`;
  const id = "msg_2VecT0rSvix00000000000";
  const body = json({ type: "user.created", data: { id: "user_1", email: "a@example.com" } });
  const signature = new svix.Webhook(secret).sign(id, new Date(NOW_MS), body);
  const family = (prefix) => ({ "content-type": "application/json", [`${prefix}-id`]: id, [`${prefix}-timestamp`]: String(TS), [`${prefix}-signature`]: signature });
  return [
    vector({
      name: "svix: webhook-* headers (white-labelled)",
      provider: "svix",
      source: "svix 2.5 Webhook.sign; https://docs.svix.com/receiving/verifying-payloads/how-manual (the libraries accept both header families)",
      method: { secrets: [secret] },
      request: { url: `${HOST}/svix`, headers: family("webhook"), body },
      eventId: id,
    }),
    vector({
      name: "standard-webhooks: svix-* headers",
      provider: "standard-webhooks",
      source: "svix 2.5 Webhook.sign (svix-* headers; the svix library verifies either family)",
      method: { secrets: [secret] },
      request: { url: `${HOST}/standard`, headers: family("svix"), body },
      eventId: id,
    }),
    vector({
      name: "svix: svix-* headers",
      provider: "svix",
      source: "svix 2.5 Webhook.sign",
      method: { secrets: [secret] },
      request: {
        url: `${HOST}/svix`,
        headers: { "content-type": "application/json", "svix-id": id, "svix-timestamp": String(TS), "svix-signature": signature },
        body,
      },
      eventId: id,
    }),
  ];
}

/** Verify functions of the data-only presets' SDKs: each returns true/false or throws on a bad signature. */
const HMAC_FAMILY_SDKS = {
  razorpay: { sdk: "razorpay 2 Razorpay.validateWebhookSignature", verify: (body, h, s) => sdk.razorpay.validateWebhookSignature(body, h["x-razorpay-signature"], s) },
  line: { sdk: "@line/bot-sdk 11 validateSignature", verify: (body, h, s) => sdk.line.validateSignature(body, s, h["x-line-signature"]) },
  gocardless: { sdk: "gocardless-nodejs 10 webhooks.verifySignature", verify: (body, h, s) => (sdk.gocardless.verifySignature(body, s, h["webhook-signature"]), true) },
  "coinbase-commerce": { sdk: "coinbase-commerce-node 1 Webhook.verifySigHeader", verify: (body, h, s) => sdk.coinbase.Webhook.verifySigHeader(body, h["x-cc-webhook-signature"], s) },
  workos: {
    sdk: "@workos-inc/node 12 webhooks.verifyHeader",
    verify: async (body, h, s) => (await sdk.workos.webhooks.verifyHeader({ payload: JSON.parse(body), sigHeader: h["workos-signature"], secret: s, tolerance: 180_000 }), true),
  },
  mux: { sdk: "@mux/mux-node 15 webhooks.verifySignature", verify: async (body, h, s) => (await sdk.mux.webhooks.verifySignature(body, h, s), true) },
  onfido: { sdk: "@onfido/api 6 WebhookEventVerifier.readPayload", verify: (body, h, s) => (new sdk.onfido.WebhookEventVerifier(s).readPayload(body, h["x-sha2-signature"]), true) },
  mailersend: { sdk: "mailersend 3 MailerSendUtils.verifyWebHook", verify: (body, h, s) => sdk.mailersend.verifyWebHook(Buffer.from(body), h.signature, s) },
  orb: { sdk: "orb-billing 5 webhooks.verifySignature", verify: (body, h, s) => (sdk.orb.webhooks.verifySignature(body, h, s), true) },
  payos: {
    sdk: "@payos/node 2 webhooks.verify",
    verify: async (body, _h, s) => (await new sdk.payos({ clientId: "provider-vectors", apiKey: "provider-vectors", checksumKey: s }).webhooks.verify(JSON.parse(body)), true),
  },
  webflow: { sdk: "webflow-api 3 webhooks.verifySignature", verify: (body, h, s) => sdk.webflow.webhooks.verifySignature({ headers: h, body, secret: s }) },
  pusher: { sdk: "pusher 5 webhook().isValid", verify: (body, h, s) => new sdk.Pusher({ appId: "1", key: "provider-vectors", secret: s, cluster: "mt1" }).webhook({ headers: { ...h, "x-pusher-key": "provider-vectors" }, rawBody: body }).isValid() },
  telnyx: { sdk: "telnyx 7 webhooks.unwrap", verify: async (body, h, s) => (await sdk.telnyx.webhooks.unwrap(body, { headers: h, key: s }), true) },
  sanity: { sdk: "@sanity/webhook 4 isValidSignature", verify: (body, h, s) => sdk.sanity.isValidSignature(body, h["sanity-webhook-signature"], s) },
};

/**
 * ZaloPay and payOS (src/verify/presets/vn-payments.ts): their documented vectors (the docs'
 * sample data with the sandbox key2 that reproduces the docs' mac; payOS's signature page),
 * and a request of each signed as the docs describe, which payOS's SDK checks.
 */
async function vnPayments() {
  const zaloData = JSON.stringify({ app_id: 2553, app_trans_id: "200904_2553_1598435687208", app_time: 1599189392817, app_user: "demo", amount: 10000, embed_data: '{"merchantinfo":"embeddata123","promotioninfo":""}', item: '[{"itemid":"knb","itemname":"kim nguyen bao","itemprice":198400,"itemquantity":1}]', zp_trans_id: 200904000000389, server_time: 1599189413498, channel: 38, merchant_user_id: "7ZMSl3nEg5sOUJzOLSoUFT8xKNQVaLOLXHB--8Eytqc", user_fee_amount: 0, discount_amount: 0 });
  const zaloKey = "kLtgPl8HHhfvMuDHPwKfgfsY4Ydm9eIz";
  const zaloMac = "d8d33baf449b31d7f9b94fa50d7c942c08cd4d83f28fa185557da21acb104f67";
  if (hmac("sha256", zaloKey, zaloData, "hex") !== zaloMac) throw new Error("zalopay: documented vector does not reproduce");
  const payosData = { orderCode: 123, amount: 3000, description: "VQRIO123", accountNumber: "12345678", reference: "TF230204212323", transactionDateTime: "2023-02-04 18:25:00", currency: "VND", paymentLinkId: "124c33293c43417ab7879e14c8d9eb18", code: "00", desc: "Thành công", counterAccountBankId: "", counterAccountBankName: "", counterAccountName: "", counterAccountNumber: "", virtualAccountName: "", virtualAccountNumber: "" };
  const payosKey = "1a54716c8f0efb2744fb28b6e38b25da7f67a925d98bc1c18bd8faaecadd7675";
  const payosSig = "412e915d2871504ed31be63c8f62a149a4410d34c4c42affc9006ef9917eaa03";
  const payosString = Object.keys(payosData).sort().map((k) => `${k}=${payosData[k]}`).join("&");
  if (hmac("sha256", payosKey, payosString, "hex") !== payosSig) throw new Error("payos: documented vector does not reproduce");
  const ownZalo = json({ app_id: 2553, app_trans_id: "261203_2553_vectors0001", amount: 50000, server_time: NOW_MS, zp_trans_id: 261203000000001 });
  const ownKey = "zalopay-provider-vectors-key2-0123";
  return [
    vector({
      name: "zalopay: documented vector",
      provider: "zalopay",
      source: "documented vector: https://docs.zalopay.vn/docs/specs/callback-api (the docs' data sample and mac; the public sandbox key2 of app 2553 reproduces it)",
      method: { secrets: [zaloKey] },
      request: { url: `${HOST}/zalopay`, headers: { "content-type": "application/json" }, body: json({ data: zaloData, mac: zaloMac, type: 1 }) },
      eventId: "200904_2553_1598435687208",
    }),
    vector({
      name: "zalopay: callback",
      provider: "zalopay",
      source: "https://docs.zalopay.vn/docs/specs/callback-api: mac = HMAC-SHA256(key2, data)",
      method: { secrets: [ownKey] },
      request: { url: `${HOST}/zalopay`, headers: { "content-type": "application/json" }, body: json({ data: ownZalo, mac: hmac("sha256", ownKey, ownZalo, "hex"), type: 1 }) },
      eventId: "261203_2553_vectors0001",
    }),
    vector({
      name: "payos: documented vector",
      provider: "payos",
      source: "documented vector: https://payos.vn/docs/tich-hop-webhook/kiem-tra-du-lieu-voi-signature/",
      method: { secrets: [payosKey] },
      request: { url: `${HOST}/payos`, headers: { "content-type": "application/json" }, body: json({ code: "00", desc: "success", success: true, data: payosData, signature: payosSig }) },
      eventId: "TF230204212323",
    }),
  ];
}

/** Credentials only (src/verify/presets/credential-only.ts): Basic as the provider sends it, Telegram's header token. */
async function credentialOnly() {
  const basic = (name, user, password, source) =>
    vector({
      name: `${name}: HTTP Basic`,
      provider: name,
      source,
      method: { secrets: [`${user}:${password}`] },
      request: { url: `${HOST}/${name}`, headers: { "content-type": "application/json", authorization: `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}` }, body: json({ event: `${name}.test` }) },
    });
  return [
    basic("postmark", "postmark-hooks", "pm:pass:with:colons!!", "https://postmarkapp.com/developer/webhooks/webhooks-overview (basic HTTP authentication: https://<username>:<password>@example.com/webhook)"),
    basic("pipedrive", "pd-user", "pd-password-0123", "https://pipedrive.readme.io/docs/guide-for-webhooks (http_auth_user / http_auth_password)"),
    basic("chargebee", "cb-user", "cb-password-0123", "https://www.chargebee.com/docs/billing/2.0/site-configuration/webhook_settings (basic authentication for webhooks)"),
    vector({
      name: "sepay: API key header",
      provider: "sepay",
      source: "https://developer.sepay.vn/en/sepay-webhooks/xac-thuc (API Key: header Authorization: Apikey <key>)",
      method: { secrets: ["sepay_api_key_0123456789ABCDEF"] },
      request: { url: `${HOST}/sepay`, headers: { "content-type": "application/json", authorization: "Apikey sepay_api_key_0123456789ABCDEF" }, body: json({ id: 92704, gateway: "Vietcombank", transferType: "in", transferAmount: 2277000, content: "chuyen tien" }) },
    }),
    vector({
      name: "telegram: secret_token header",
      provider: "telegram",
      source: "https://core.telegram.org/bots/api#setwebhook (secret_token: sent in a header X-Telegram-Bot-Api-Secret-Token in every webhook request)",
      method: { secrets: ["tg_secret_token-0123456789"] },
      request: { url: `${HOST}/telegram`, headers: { "content-type": "application/json", "x-telegram-bot-api-secret-token": "tg_secret_token-0123456789" }, body: json({ update_id: 10000, message: { message_id: 1, text: "hi" } }) },
    }),
  ];
}

/** The providers whose scheme is data (src/verify/presets/hmac-family.json), signed by the signer `hookgate send` uses. */
const HMAC_FAMILY = JSON.parse(readFileSync(new URL("../src/verify/presets/hmac-family.json", import.meta.url), "utf8"));

function hmacFamilySecret(e, i) {
  const raw = Buffer.alloc(32, 0x60 + i);
  if (e.scheme.keyEncoding === "hex") return raw.toString("hex");
  if (e.scheme.keyEncoding === "base64") return raw.toString("base64");
  return `${e.name}_provider_vectors_secret_${i}`;
}

/**
 * Each data-only HMAC preset: a request signed per its documented algorithm (the entry's
 * scheme, by bin/scheme-signer.mjs), and its documented vector where the provider publishes
 * one, which the signer must reproduce (so the entry is checked against the provider's
 * own numbers, not only against itself). The provider SDKs check these in sdkOracle.
 */
async function hmacFamilyVectors() {
  const vectors = [];
  for (const [i, e] of HMAC_FAMILY.entries()) {
    const secret = hmacFamilySecret(e, i);
    const id = `evt_${e.name.replace(/-/g, "")}_vector_0001`;
    const idSource = e.scheme.eventId;
    const idHeader = idSource?.header && (Array.isArray(idSource.header) ? idSource.header[0] : idSource.header).toLowerCase();
    const payload = { type: `${e.name}.test`, data: { id: `obj_${i}`, amount: 1999 } };
    if (idSource?.jsonField) {
      let at = payload;
      const keys = idSource.jsonField.split(".");
      for (const k of keys.slice(0, -1)) at = at[k] = at[k] ?? {};
      at[keys.at(-1)] = id;
    }
    const body = json(payload);
    const url = `${HOST}/${e.name}`;
    const base = { "content-type": "application/json", ...(idHeader && { [idHeader]: id }) };
    // Ed25519 schemes: the committed RFC 8032 key pair; the route holds the raw public key in the scheme's encoding.
    const ed = e.scheme.algorithm === "ed25519";
    const routeSecret = ed ? Buffer.from(ED25519_PUBLIC_HEX, "hex").toString(e.scheme.keyEncoding === "hex" ? "hex" : "base64") : secret;
    const signed = signScheme(e.scheme, { secret, privateKey: ed25519Private, body: Buffer.from(body), now: NOW_MS, url, headers: base });
    vectors.push(
      vector({
        name: `${e.name}: documented algorithm`,
        provider: e.name,
        source: `${e.source}: "${e.quote.slice(0, 200)}" (signed by bin/scheme-signer.mjs, the signer of hookgate send)`,
        method: { secrets: [routeSecret] },
        request: { url, headers: { ...base, ...signed }, body },
        ...(idSource && { eventId: id }),
      }),
    );
    if (e.handshake?.kind === "head") {
      vectors.push(vector({ name: `${e.name}: HEAD check`, provider: e.name, source: `${e.source} (the URL is checked with a HEAD that must get 200)`, method: { secrets: [secret] }, request: { method: "HEAD", url, headers: {} }, reply: { status: 200, body: "" } }));
    } else if (e.handshake?.kind === "echo") {
      const challenge = `${e.name}-challenge-4kGcDqj3`;
      vectors.push(
        vector({
          name: `${e.name}: challenge (${e.handshake.method})`,
          provider: e.name,
          source: `${e.source} (${e.handshake.method} ?${e.handshake.param}= is answered with the value)`,
          method: { secrets: [secret] },
          request: { method: e.handshake.method, url: `${url}?${e.handshake.param}=${challenge}`, headers: {} },
          reply: { status: 200, contentType: "text/plain", body: challenge },
        }),
      );
    }
    if (e.reply?.kind === "signedEcho") {
      const challenge = `${e.name}-challenge-pogChamp-4kGc`;
      const challengeBody = json({ challenge, subscription: { id: "sub_vector", status: "webhook_callback_verification_pending" } });
      const headers = { ...base, [e.reply.header]: e.reply.value };
      vectors.push(
        vector({
          name: `${e.name}: signed challenge`,
          provider: e.name,
          source: `${e.source} (a signed request with ${e.reply.header}: ${e.reply.value} is answered with its ${e.reply.field})`,
          method: { secrets: [secret] },
          request: { url, headers: { ...headers, ...signScheme(e.scheme, { secret, body: Buffer.from(challengeBody), now: NOW_MS, url, headers }) }, body: challengeBody },
          reply: { status: 200, contentType: "text/plain", body: challenge },
        }),
      );
    }
    const doc = e.documentedVector;
    if (doc) {
      const unit = e.scheme.timestamp?.unit;
      const isoMs = (t) => Date.parse(/Z|[+-]\d{2}:\d{2}$/.test(t) ? t : `${t}Z`); // no zone: UTC, as the providers send it
      const now = !doc.timestamp ? NOW_MS : unit === "iso" ? isoMs(doc.timestamp) : Number(doc.timestamp) * (unit === "ms" ? 1 : 1000);
      const ours = signScheme(e.scheme, { secret: doc.secret, body: Buffer.from(doc.body), now, url: doc.url ?? url, headers: doc.headers ?? {}, ...(doc.timestamp && { timestamp: doc.timestamp }) });
      const header = (Array.isArray(e.scheme.header) ? e.scheme.header[0] : e.scheme.header).toLowerCase();
      if (!ours[header].includes(doc.signature)) throw new Error(`${e.name}: documented vector does not reproduce (${ours[header]} vs ${doc.signature})`);
      vectors.push(
        vector({
          name: `${e.name}: documented vector`,
          provider: e.name,
          source: `documented vector: ${doc.source ?? e.source}`,
          method: { secrets: [doc.secret] },
          request: { url: doc.url ?? url, headers: { "content-type": "application/json", ...(doc.headers ?? {}), ...ours }, body: doc.body },
          now,
          ...(doc.eventId && { eventId: doc.eventId }),
        }),
      );
    }
  }
  return vectors;
}

/** The providers that send Standard Webhooks (src/verify/presets/standard-family.json: the presets read it too). */
const STANDARD_FAMILY = JSON.parse(readFileSync(new URL("../src/verify/presets/standard-family.json", import.meta.url), "utf8"));
const FAMILY = new Map(STANDARD_FAMILY.map((p) => [p.name, p]));

/** The secret as the provider's dashboard shows it: `whsec_…`, Supabase's `v1,whsec_…`, Polar's plain string. */
function familySecret(p, i) {
  if (p.key === "utf8") return `${p.name}_whs_provider_vectors_${i}_0a1b2c3d4e5f`;
  const whsec = `whsec_${Buffer.alloc(32, 0x40 + i).toString("base64")}`;
  return p.name === "supabase" ? `v1,${whsec}` : whsec;
}

/**
 * The secret the library the provider's SDK wraps is given: Polar's SDK base64-encodes the
 * secret (its UTF-8 bytes are the key); Supabase's docs strip `v1,`.
 */
const libraryKey = (p, secret) => (p.key === "utf8" ? Buffer.from(secret, "utf8").toString("base64") : secret.replace(/^v1,/, ""));

/** One vector per Standard Webhooks sender, signed by the library its SDK verifies with, in the header family it sends. */
async function standardFamilyVectors() {
  const { svix, standardwebhooks } = await load();
  return STANDARD_FAMILY.map((p, i) => {
    const secret = familySecret(p, i);
    const id = `msg_2VecT0r${p.name.replace(/-/g, "")}${"0".repeat(12)}`.slice(0, 28);
    const body = json({ type: `${p.name}.event`, timestamp: iso(NOW_MS), data: { id: `obj_${i}`, provider: p.name } });
    const lib = p.sends === "svix" ? new svix.Webhook(libraryKey(p, secret)) : new standardwebhooks.Webhook(libraryKey(p, secret));
    const signature = lib.sign(id, new Date(NOW_MS), body);
    return vector({
      name: `${p.name}: ${p.sends}-* headers`,
      provider: p.name,
      source: `${p.source}; signed by ${p.sends === "svix" ? "svix 2.5" : "standardwebhooks 1.1"} Webhook.sign`,
      method: { secrets: [secret] },
      request: {
        url: `${HOST}/${p.name}`,
        headers: { "content-type": "application/json", [`${p.sends}-id`]: id, [`${p.sends}-timestamp`]: String(TS), [`${p.sends}-signature`]: signature },
        body,
      },
      eventId: id,
    });
  });
}

/** The SendGrid oracle, shared by generation (reuse check) and the SDK test. */
async function sendgridAccepts(publicKeyB64, body, signature, timestamp) {
  const { sendgrid } = await load();
  const ew = new sendgrid.EventWebhook();
  try {
    return ew.verifySignature(ew.convertPublicKeyToECDSA(publicKeyB64), body, signature, timestamp);
  } catch {
    return false;
  }
}

async function sendgridVectors(previous) {
  const spec = "@sendgrid/eventwebhook 8 src/eventwebhook.spec.js";
  // The package's own vectors (verbatim), each at its own time.
  const single = {
    key: "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE83T4O/n84iotIvIW4mdBgQ/7dAfSmpqIM8kF9mN1flpVKS3GRqe62gw+2fNNRaINXvVpiglSI8eNEc6wEA3F+g==",
    signature: "MEUCIGHQVtGj+Y3LkG9fLcxf3qfI10QysgDWmMOVmxG0u6ZUAiEAyBiXDWzM+uOe5W0JuG+luQAbPIqHh89M15TluLtEZtM=",
    ts: 1600112502,
    body:
      json([
        {
          email: "hello@world.com",
          event: "dropped",
          reason: "Bounced Address",
          sg_event_id: "ZHJvcC0xMDk5NDkxOS1MUnpYbF9OSFN0T0doUTRrb2ZTbV9BLTA",
          sg_message_id: "LRzXl_NHStOGhQ4kofSm_A.filterdrecv-p3mdw1-756b745b58-kmzbl-18-5F5FC76C-9.0",
          "smtp-id": "<LRzXl_NHStOGhQ4kofSm_A@ismtpd0039p1iad1.sendgrid.net>",
          timestamp: 1600112492,
        },
      ]) + "\r\n",
  };
  const multiple = {
    key: "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEQ4LIFtWztlsF7skFqOncjD1lun4H5w8XOhyOArHW9RcIx/FfEzx6cikC/yPfUvwaX/JScE7Fc9CJD2afQ9Ok3Q==",
    signature: "MEYCIQC/I4o6vCgqRYrTljjoVWB/GRWNtxeePlLMHr3x9ETeRQIhAIpV+03nREPTTHWSW0wIOA0EoMPdcNgXa70yCaqDJlu5",
    ts: 1619651159,
    body:
      json([
        {
          email: "invalid@gmail.com",
          event: "processed",
          send_at: 0,
          sg_event_id: "cHJvY2Vzc2VkLTE5OTQyMTEyLXFOd0JMZ1BRUWpXNkRKdktRd1NBYnctMA",
          sg_message_id: "qNwBLgPQQjW6DJvKQwSAbw.filterdrecv-canary-547b64655b-cw6zx-1-6089EA4A-56.0",
          "smtp-id": "<qNwBLgPQQjW6DJvKQwSAbw@ismtpd0178p1mdw1.sendgrid.net>",
          timestamp: 1619651146,
        },
        {
          email: "invalid@gmail.com",
          event: "bounce",
          ip: "167.89.101.76",
          reason:
            "552 5.2.2 The email account that you tried to reach is over quota and inactive. Please direct the recipient to https://support.google.com/mail/?p=OverQuotaPerm c17si1130468pgv.34 - gsmtp",
          sg_event_id: "Ym91bmNlLTAtMTk5NDIxMTItcU53QkxnUFFRalc2REp2S1F3U0Fidy0w",
          sg_message_id: "qNwBLgPQQjW6DJvKQwSAbw.filterdrecv-canary-547b64655b-cw6zx-1-6089EA4A-56.0",
          "smtp-id": "<qNwBLgPQQjW6DJvKQwSAbw@ismtpd0178p1mdw1.sendgrid.net>",
          status: "5.2.2",
          timestamp: 1619651147,
          tls: 1,
          type: "blocked",
        },
      ])
        .split("},{")
        .join("},\r\n{") + "\r\n",
  };
  const headers = (signature, ts) => ({
    "content-type": "application/json",
    "user-agent": "SendGrid Event API",
    "x-twilio-email-event-webhook-signature": signature,
    "x-twilio-email-event-webhook-timestamp": String(ts),
  });
  const out = [];
  for (const [name, v] of [
    ["single event", single],
    ["multiple events", multiple],
  ]) {
    if (!(await sendgridAccepts(v.key, v.body, v.signature, String(v.ts)))) throw new Error(`sendgrid: the package's own ${name} vector fails`);
    out.push(
      vector({
        name: `sendgrid: package vector (${name})`,
        provider: "sendgrid",
        source: `documented vector: ${spec}`,
        method: { secrets: [v.key] },
        request: { url: `${HOST}/sendgrid`, headers: headers(v.signature, v.ts), body: v.body },
        now: v.ts * 1000,
      }),
    );
  }
  // Our key: ECDSA is randomized, so keep the committed signature while the SDK still accepts it.
  const name = "sendgrid: delivered + open (our P-256 key)";
  // SendGrid's framing: a JSON array with CRLF between events and after the array.
  const events = [
    {
      email: "example@test.com",
      timestamp: TS,
      "smtp-id": "<14c5d75ce93.dfd.64b469@ismtpd-555>",
      event: "delivered",
      sg_event_id: "sg_event_id_delivered",
      sg_message_id: "14c5d75ce93.dfd.64b469.filter0001.16648.5515E0B88.0",
    },
    {
      email: "example@test.com",
      timestamp: TS,
      event: "open",
      useragent: "Mozilla/5.0",
      sg_event_id: "sg_event_id_open",
      sg_message_id: "14c5d75ce93.dfd.64b469.filter0001.16648.5515E0B88.0",
    },
  ];
  const body = `[${events.map(json).join(",\r\n")}]\r\n`;
  const kept = previous?.find((p) => p.name === name);
  let signature = kept?.request.headers["x-twilio-email-event-webhook-signature"];
  const sameInput =
    kept &&
    kept.request.body === body &&
    kept.request.headers["x-twilio-email-event-webhook-timestamp"] === String(TS) &&
    kept.method.secrets?.[0] === SENDGRID_SPKI_B64;
  if (!sameInput || !(await sendgridAccepts(SENDGRID_SPKI_B64, body, signature, String(TS)))) {
    signature = crypto.sign("sha256", Buffer.from(`${TS}${body}`, "utf8"), { key: sendgridPrivate, dsaEncoding: "der" }).toString("base64");
  }
  out.push(
    vector({
      name,
      provider: "sendgrid",
      source:
        "node:crypto ECDSA P-256/SHA-256 (DER, base64), accepted by @sendgrid/eventwebhook 8 verifySignature; signature kept from the committed file while it verifies (ECDSA is randomized)",
      method: { secrets: [SENDGRID_SPKI_B64] },
      request: { url: `${HOST}/sendgrid`, headers: headers(signature, TS), body },
    }),
  );
  return out;
}

async function square() {
  // Documented vector from the Square SDKs' tests: the URL as given to Square is the URL received.
  const doc = {
    body: '{"merchant_id":"MLEFBHHSJGVHD","type":"webhooks.test_notification","event_id":"ac3ac95b-f97d-458c-a6e6-18981597e05f","created_at":"2022-07-13T20:30:59.037339943Z","data":{"type":"webhooks","id":"bc368e64-01aa-407e-b46e-3231809b1129"}}',
    signature: "GF4YkrJgGBDZ9NIYbNXBnMzqb2HoL4RW/S6vkZ9/2N4=",
    key: "Ibxx_5AKakO-3qeNVR61Dw",
    url: "https://webhook.site/679a4f3a-dcfa-49ee-bac5-9d0edad886b9",
  };
  // square's WebhooksHelper only verifies: node:crypto signs, the SDK must accept (checked for every vector).
  const key = "square-signature-key-provider-vectors";
  const publicUrl = `${HOST}/square`;
  const eventId = "6a8f5f28-54a1-4eb0-a98a-3111513fd4fc";
  const body = json({
    merchant_id: "6SSW7HV8K2ST5",
    type: "payment.created",
    event_id: eventId,
    created_at: iso(NOW_MS),
    data: {
      type: "payment",
      id: "KkAkhdMsgzn59SM8A89WgKwekxLZY",
      object: { payment: { id: "KkAkhdMsgzn59SM8A89WgKwekxLZY", amount_money: { amount: 100, currency: "USD" }, status: "APPROVED" } },
    },
  });
  const signed = `${publicUrl}?auth=${GATEWAY_TOKEN}`;
  return [
    vector({
      name: "square: documented vector",
      provider: "square",
      source: "documented vector: Square SDK tests (square-go-sdk, square-python-sdk WebhooksHelper tests); square 46 WebhooksHelper.verifySignature accepts",
      method: { secrets: [doc.key] },
      request: { url: doc.url, headers: { "content-type": "application/json", "x-square-hmacsha256-signature": doc.signature }, body: doc.body },
      eventId: "ac3ac95b-f97d-458c-a6e6-18981597e05f",
    }),
    vector({
      name: "square: payment.created via publicUrl, gateway token signed",
      provider: "square",
      source: "node:crypto per https://developer.squareup.com/docs/webhooks/step3validate, accepted by square 46 WebhooksHelper.verifySignature",
      method: { secrets: [key], publicUrl },
      request: {
        url: `${EDGE_HOST}/square?auth=${GATEWAY_TOKEN}`,
        headers: {
          "content-type": "application/json",
          "square-version": "2026-07-16",
          "x-square-hmacsha256-signature": hmac("sha256", key, signed + body, "base64"),
        },
        body,
      },
      eventId,
    }),
  ];
}

async function paddle() {
  // The Paddle SDK only verifies: node:crypto signs per the docs; the SDK must accept.
  const secret = "pdl_ntfset_01j9vectors0000000000000000_provider0vectors0000000000";
  const notificationId = "ntf_01j9vectorsnotification00000";
  const body = json({
    event_id: "evt_01j9vectorsevent000000000000",
    event_type: "transaction.completed",
    occurred_at: "2026-09-21T12:53:19.123456Z",
    notification_id: notificationId,
    data: { id: "txn_01j9vectorstransaction00000", status: "completed", currency_code: "EUR" },
  });
  const h1 = hmac("sha256", secret, `${TS}:${body}`, "hex");
  return [
    vector({
      name: "paddle: transaction.completed",
      provider: "paddle",
      source: "node:crypto per https://developer.paddle.com/webhooks/signature-verification, accepted by @paddle/paddle-node-sdk 3 webhooks.isSignatureValid",
      method: { secrets: [secret] },
      request: { url: `${HOST}/paddle`, headers: { "content-type": "application/json", "paddle-signature": `ts=${TS};h1=${h1}` }, body },
      eventId: notificationId,
    }),
  ];
}

async function linear() {
  // @linear/sdk only verifies: node:crypto signs per the docs; LinearWebhookClient.verify must accept.
  const secret = "lin_wh_provider_vectors_0123456789abcdef";
  const delivery = "234d1a4e-b617-4388-90fe-adc3633d6b72";
  const body = json({
    action: "create",
    type: "Issue",
    createdAt: iso(NOW_MS),
    organizationId: "org_1",
    url: "https://linear.app/acme/issue/ENG-1",
    data: { id: "2174add1-f7c8-44e3-bbf3-2d60b5ea8bc9", title: "Grüße", identifier: "ENG-1" },
    webhookTimestamp: NOW_MS,
    webhookId: "000042e3-d123-4980-b49f-8e140eef9329",
  });
  return [
    vector({
      name: "linear: Issue create (webhookTimestamp ms in body)",
      provider: "linear",
      source: "node:crypto per https://linear.app/developers/webhooks#securing-webhooks, accepted by @linear/sdk 98 LinearWebhookClient.verify",
      method: { secrets: [secret] },
      request: {
        url: `${HOST}/linear`,
        headers: {
          "content-type": "application/json; charset=utf-8",
          "user-agent": "Linear-Webhook",
          "linear-delivery": delivery,
          "linear-event": "Issue",
          "linear-signature": hmac("sha256", secret, body, "hex"),
        },
        body,
      },
      eventId: delivery,
    }),
  ];
}

async function zoom() {
  // @zoom/rivet only verifies (and over JSON.stringify(JSON.parse(body)), which these bodies are):
  // node:crypto signs per the docs; rivet's AwsLambdaReceiver must accept, and answer the url_validation.
  const source = "https://developers.zoom.us/docs/api/webhooks/#verify-webhook-events";
  const secret = "zoom-secret-token-provider-vectors";
  const sign = (body) => `v0=${hmac("sha256", secret, `v0:${TS}:${body}`, "hex")}`;
  const event = json({
    event: "meeting.started",
    event_ts: NOW_MS,
    payload: { account_id: "AAAAAABBBB", object: { id: "1234567890", uuid: "4444AAAiAAAAAiAiAiiAii==", topic: "Grüße" } },
  });
  const plainToken = "qgg8vlvZRS6UYooatFL8Aw";
  const validation = json({ payload: { plainToken }, event_ts: NOW_MS, event: "endpoint.url_validation" });
  const headers = (body) => ({ "content-type": "application/json; charset=utf-8", "x-zm-request-timestamp": String(TS), "x-zm-signature": sign(body) });
  return [
    vector({
      name: "zoom: meeting.started",
      provider: "zoom",
      source: `node:crypto per ${source}, accepted by @zoom/rivet 0.4 AwsLambdaReceiver`,
      method: { secrets: [secret] },
      request: { url: `${HOST}/zoom`, headers: headers(event), body: event },
    }),
    vector({
      name: "zoom: endpoint.url_validation (signed handshake)",
      provider: "zoom",
      source: `node:crypto per ${source} and https://developers.zoom.us/docs/api/webhooks/#validate-your-webhook-endpoint (encryptedToken = hex HMAC-SHA256(secret, plainToken)); @zoom/rivet 0.4 AwsLambdaReceiver accepts and replies the same`,
      method: { secrets: [secret] },
      request: { url: `${HOST}/zoom`, headers: headers(validation), body: validation },
      reply: { status: 200, contentType: "application/json", body: json({ plainToken, encryptedToken: hmac("sha256", secret, plainToken, "hex") }) },
    }),
  ];
}

async function mailgun() {
  // No Mailgun verifier in an SDK: node:crypto per the docs. The signature sits in the body.
  const key = "mailgun-signing-key-0123456789abcdef";
  const token = "9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c";
  const body = json({
    signature: { timestamp: String(TS), token, signature: hmac("sha256", key, `${TS}${token}`, "hex") },
    "event-data": {
      event: "delivered",
      id: "CPgfbmQMTCKtHW6uIWtuVe",
      timestamp: TS + 0.123456,
      recipient: "alice@example.com",
      message: { headers: { "message-id": "20260921125320.1.ABCDEF@example.com" } },
    },
  });
  return [
    // The preset's event id is the signature token (so dedup refuses a reused signature), prefixed "token:".
    vector({
      name: "mailgun: delivered (signature in the JSON body)",
      provider: "mailgun",
      source: "node:crypto per https://documentation.mailgun.com/docs/mailgun/user-manual/webhooks/securing-webhooks",
      method: { secrets: [key] },
      request: { url: `${HOST}/mailgun`, headers: { "content-type": "application/json" }, body },
      eventId: `token:${token}`,
    }),
  ];
}

async function intercom() {
  const secret = "intercom-client-secret-provider-vectors";
  const id = "notif_ccd8a4d0-f965-11e3-a367-c779cae3e1b3";
  const body = json({
    type: "notification_event",
    app_id: "abc123",
    data: { type: "notification_event_data", item: { type: "ping", message: "something something interzen" } },
    links: {},
    id,
    topic: "ping",
    delivery_status: null,
    delivery_attempts: 1,
    delivered_at: 0,
    first_sent_at: TS,
    created_at: TS,
    self: null,
  });
  return [
    vector({
      name: "intercom: ping (X-Hub-Signature sha1)",
      provider: "intercom",
      source: "node:crypto per https://developers.intercom.com/docs/references/webhooks/webhook-models (signed notifications)",
      method: { secrets: [secret] },
      request: {
        url: `${HOST}/intercom`,
        headers: { "content-type": "application/json", "x-hub-signature": `sha1=${hmac("sha1", secret, body, "hex")}` },
        body,
      },
      eventId: id,
    }),
  ];
}

async function hubspot() {
  const { hubspot } = await load();
  const source =
    "@hubspot/api-client 14 Signature.getSignature v3; URI per https://developers.hubspot.com/docs/apps/legacy-apps/authentication/validating-requests";
  const secret = "yyyyyyyy-yyyy-yyyy-yyyy-provider-vectors";
  const body = json([
    {
      eventId: 100,
      subscriptionId: 12345,
      portalId: 62515,
      appId: 54321,
      occurredAt: NOW_MS - 1000,
      subscriptionType: "contact.creation",
      attemptNumber: 0,
      objectId: 123,
      changeSource: "CRM",
      changeFlag: "NEW",
    },
  ]);
  const sign = (uri) => hubspot.Signature.getSignature("POST", "v3", { clientSecret: secret, requestBody: body, url: uri, timestamp: NOW_MS });
  const headers = (uri) => ({ "content-type": "application/json", "x-hubspot-request-timestamp": String(NOW_MS), "x-hubspot-signature-v3": sign(uri) });
  // HubSpot signs the URI with %3A %2F %3F … decoded (its docs list them); the SDK signs what it is given.
  const escaped = `${HOST}/hubspot?auth=${GATEWAY_TOKEN}&return=https%3A%2F%2Fapp.example.com%2Fdone%3Fx%3D1`;
  const decoded = `${HOST}/hubspot?auth=${GATEWAY_TOKEN}&return=https://app.example.com/done?x%3D1`;
  return [
    vector({
      name: "hubspot: v3 with the gateway token in the URL",
      provider: "hubspot",
      source,
      method: { secrets: [secret] },
      request: { url: `${HOST}/hubspot?auth=${GATEWAY_TOKEN}`, headers: headers(`${HOST}/hubspot?auth=${GATEWAY_TOKEN}`), body },
    }),
    vector({
      name: "hubspot: v3 with escapes decoded in the signed URI",
      provider: "hubspot",
      source,
      method: { secrets: [secret] },
      request: { url: escaped, headers: headers(decoded), body },
    }),
  ];
}

async function typeform() {
  const secret = "typeform-secret-provider-vectors";
  const eventId = "01J8VECTORS0TYPEFORM000000";
  const body = json({
    event_id: eventId,
    event_type: "form_response",
    form_response: {
      form_id: "lT4Z3j",
      token: "a3a12ec67a1365927098a606107fac15",
      submitted_at: iso(NOW_MS),
      answers: [{ type: "text", text: "Grüße", field: { id: "DlXFaesGBpoF", type: "long_text" } }],
    },
  });
  return [
    vector({
      name: "typeform: form_response (sha256=<base64>)",
      provider: "typeform",
      source: "node:crypto per https://www.typeform.com/developers/webhooks/secure-your-webhooks/",
      method: { secrets: [secret] },
      request: {
        url: `${HOST}/typeform`,
        headers: {
          "content-type": "application/json",
          "user-agent": "Typeform Webhooks",
          "typeform-signature": `sha256=${hmac("sha256", secret, body, "base64")}`,
        },
        body,
      },
      eventId,
    }),
  ];
}

async function dropbox() {
  const source = "https://www.dropbox.com/developers/reference/webhooks";
  const secret = "dropbox-app-secret-provider-vectors";
  const body = json({ list_folder: { accounts: ["dbid:AAH4f99T0taONIb-OurWxbNQ6ywGRopQngc"] }, delta: { users: [12345] } });
  return [
    vector({
      name: "dropbox: notification",
      provider: "dropbox",
      source: `node:crypto per ${source}`,
      method: { secrets: [secret] },
      request: {
        url: `${HOST}/dropbox`,
        headers: { "content-type": "application/json", "user-agent": "DropboxNotification/1.0", "x-dropbox-signature": hmac("sha256", secret, body, "hex") },
        body,
      },
    }),
    vector({
      name: "dropbox: challenge (GET)",
      provider: "dropbox",
      source: `documented handshake: ${source}`,
      method: { secrets: [secret] },
      request: { method: "GET", url: `${HOST}/dropbox?challenge=4kGcDqj3X9w2`, headers: {} },
      reply: { status: 200, contentType: "text/plain", body: "4kGcDqj3X9w2" },
    }),
  ];
}

async function x() {
  const source = "https://docs.x.com/x-api/account-activity/introduction";
  const secret = "x-consumer-secret-provider-vectors";
  const body = json({ for_user_id: "2244994945", tweet_create_events: [{ id_str: "1790000000000000001", text: "Grüße", user: { id_str: "2244994945" } }] });
  const crcToken = "FKdfgKUnMJkUYC9hOfG1";
  return [
    vector({
      name: "x: account activity (sha256=<base64>)",
      provider: "x",
      source: `node:crypto per ${source} (x-twitter-webhooks-signature)`,
      method: { secrets: [secret] },
      request: {
        url: `${HOST}/x`,
        headers: { "content-type": "application/json", "x-twitter-webhooks-signature": `sha256=${hmac("sha256", secret, body, "base64")}` },
        body,
      },
    }),
    vector({
      name: "x: CRC (GET crc_token)",
      provider: "x",
      source: `node:crypto per ${source} (challenge-response check)`,
      method: { secrets: [secret] },
      request: { method: "GET", url: `${HOST}/x?crc_token=${crcToken}&nonce=MTc5MDAwMDAwMA`, headers: {} },
      reply: { status: 200, contentType: "application/json", body: json({ response_token: `sha256=${hmac("sha256", secret, crcToken, "base64")}` }) },
    }),
  ];
}

async function xero() {
  const source = "https://developer.xero.com/documentation/guides/webhooks/configuring-your-server/";
  const key = "xero-webhook-key-provider-vectors-0123456789abcdefABCDEF==";
  const body = json({
    events: [
      {
        resourceUrl: "https://api.xero.com/api.xro/2.0/Contacts/717f2bfc-c6d4-41fd-b238-3f2f0c0cf777",
        resourceId: "717f2bfc-c6d4-41fd-b238-3f2f0c0cf777",
        eventDateUtc: "2026-09-21T12:53:19.000",
        eventType: "CREATE",
        eventCategory: "CONTACT",
        tenantId: "c2cc9b6e-9458-4c7d-93cc-f02b81b0594f",
        tenantType: "ORGANISATION",
      },
    ],
    firstEventSequence: 1,
    lastEventSequence: 1,
    entropy: "S0m3r4Nd0mt3xt",
  });
  const intent = json({ events: [], firstEventSequence: 0, lastEventSequence: 0, entropy: "YSXCMKAQBJOEMGUZEPFZ" });
  const headers = (b) => ({ "content-type": "application/json; charset=utf-8", "x-xero-signature": hmac("sha256", key, b, "base64") });
  return [
    vector({
      name: "xero: contact created",
      provider: "xero",
      source: `node:crypto per ${source}`,
      method: { secrets: [key] },
      request: { url: `${HOST}/xero`, headers: headers(body), body },
    }),
    vector({
      name: "xero: intent to receive (empty, signed)",
      provider: "xero",
      source: `node:crypto per ${source} (intent to receive)`,
      method: { secrets: [key] },
      request: { url: `${HOST}/xero`, headers: headers(intent), body: intent },
      reply: { status: 200, body: "" },
    }),
  ];
}

async function okta() {
  const source = "https://developer.okta.com/docs/concepts/event-hooks/";
  const secret = "okta-shared-secret-provider-vectors";
  const body = json({
    eventType: "com.okta.event_hook",
    eventTypeVersion: "1.0",
    cloudEventsVersion: "0.1",
    source: "https://example.okta.com/api/v1/eventHooks/whoql0HfiLGPWc8Jx0g3",
    eventId: "b5a188b9-5ece-4636-b041-482ffda96311",
    data: {
      events: [{ uuid: "8a9b1c2d-0000-11f0-9c1a-000000000001", published: iso(NOW_MS), eventType: "user.session.start", displayMessage: "User login to Okta" }],
    },
    eventTime: iso(NOW_MS),
    contentType: "application/json",
  });
  return [
    vector({
      name: "okta: event hook (authorization header)",
      provider: "okta",
      source: `documented scheme (shared secret header): ${source}`,
      method: { secrets: [secret] },
      request: { url: `${HOST}/okta`, headers: { "content-type": "application/json", authorization: secret }, body },
    }),
    vector({
      name: "okta: one-time verification (GET)",
      provider: "okta",
      source: `documented handshake: ${source}`,
      method: { secrets: [secret] },
      request: { method: "GET", url: `${HOST}/okta`, headers: { "x-okta-verification-challenge": "X5t7dZdtrS7x5Dw0ENe8Ow2oXyLBaTKEkZL5XqAF" } },
      reply: { status: 200, contentType: "application/json", body: json({ verification: "X5t7dZdtrS7x5Dw0ENe8Ow2oXyLBaTKEkZL5XqAF" }) },
    }),
  ];
}

async function msgraph() {
  const source = "https://learn.microsoft.com/en-us/graph/change-notifications-delivery-webhooks";
  const clientState = "secretClientValue-provider-vectors";
  const body = json({
    value: [
      {
        subscriptionId: "7f105c7d-2dc5-4530-97cd-4e7ae6534c07",
        subscriptionExpirationDateTime: "2026-09-24T12:53:20.000Z",
        changeType: "created",
        resource: "Users/8bc5a1e0/Messages/AAMkAGUwNjQ4ZjIxAAA=",
        resourceData: { "@odata.type": "#Microsoft.Graph.Message", id: "AAMkAGUwNjQ4ZjIxAAA=" },
        clientState,
        tenantId: "84bd8158-6d4d-4958-8b9f-9d6445542f95",
      },
    ],
  });
  const validation = "Validation: Testing client application reachability for subscription Request-Id: 1b2c3d4e-0000-4000-8000-000000000001";
  return [
    vector({
      name: "msgraph: change notification (clientState)",
      provider: "msgraph",
      source: `documented scheme (clientState in each notification): ${source}`,
      method: { secrets: [clientState] },
      request: { url: `${HOST}/graph`, headers: { "content-type": "application/json; charset=utf-8" }, body },
    }),
    vector({
      name: "msgraph: validationToken (POST)",
      provider: "msgraph",
      source: `documented handshake: ${source}#notificationurl-validation`,
      method: { secrets: [clientState] },
      request: {
        url: `${HOST}/graph?validationToken=${encodeURIComponent(validation).replace(/%20/g, "+")}`,
        headers: { "content-type": "text/plain; charset=utf-8" },
      },
      reply: { status: 200, contentType: "text/plain", body: validation },
    }),
  ];
}

// ---- the SDK oracles ----------------------------------------------------------------------

/**
 * The provider's own verifier for a vector, or null when none applies (no SDK installed,
 * an unsigned handshake, GitHub's SHA-1 header which octokit v6 does not check).
 * Used by generate() (it throws on a rejection) and by the node test on the committed file.
 */
export function sdkOracle(v) {
  const h = v.request.headers;
  const body = v.request.body;
  const secrets = (v.method.secrets ?? []).map((s) => (typeof s === "string" ? s : s.value));
  const any = async (check) => {
    for (const s of secrets) if (await check(s)) return true;
    return false;
  };
  const attempt = async (fn) => {
    try {
      return (await fn()) !== false;
    } catch {
      return false;
    }
  };
  // The data-only HMAC presets with an SDK of their own: its verify function, as documented.
  const familySdk = HMAC_FAMILY_SDKS[v.provider];
  if (familySdk) {
    return {
      sdk: familySdk.sdk,
      verify: async () => (await load(), atClock(v.now, () => any((s) => attempt(() => familySdk.verify(body, h, s))))),
    };
  }
  // Svix-named headers, and the Standard Webhooks senders: the library the provider's SDK verifies with.
  const family = FAMILY.get(v.provider);
  if (h["svix-signature"] || family) {
    const lib = h["svix-signature"] ? "svix" : "standardwebhooks";
    const key = (s) => (family ? libraryKey(family, s) : s);
    return {
      sdk: lib === "svix" ? "svix 2.5 Webhook.verify" : "standardwebhooks 1.1 Webhook.verify",
      verify: async () => (await load(), atClock(v.now, () => any((s) => attempt(() => (new sdk[lib].Webhook(key(s)).verify(body, h), true))))),
    };
  }
  switch (v.provider) {
    case "stripe":
      return {
        sdk: "stripe-node 23 webhooks.constructEvent",
        verify: async () => (
          await load(),
          any((s) => attempt(() => sdk.stripe.webhooks.constructEvent(body, h["stripe-signature"], s, 300, undefined, v.now)))
        ),
      };
    case "github":
      if (!h["x-hub-signature-256"]) return null;
      return {
        sdk: "@octokit/webhooks-methods 6 verify",
        verify: async () => (await load(), any((s) => sdk.octokit.verify(s, body, h["x-hub-signature-256"]))),
      };
    case "standard-webhooks":
    case "gitlab-signing":
      return {
        sdk: "standardwebhooks 1.1 Webhook.verify",
        verify: async () => (await load(), atClock(v.now, () => any((s) => attempt(() => (new sdk.standardwebhooks.Webhook(s).verify(body, h), true))))),
      };
    case "svix":
      return {
        sdk: "svix 2.5 Webhook.verify",
        verify: async () => (await load(), atClock(v.now, () => any((s) => attempt(() => (new sdk.svix.Webhook(s).verify(body, h), true))))),
      };
    case "twilio":
      return {
        sdk: "twilio-node 6 validateRequest / validateRequestWithBody",
        verify: async () => {
          await load();
          const url = signedUrlOf(v);
          const sig = h["x-twilio-signature"];
          return any((s) =>
            new URL(url).searchParams.has("bodySHA256")
              ? sdk.twilio.validateRequestWithBody(s, sig, url, body)
              : sdk.twilio.validateRequest(s, sig, url, formParams(body)),
          );
        },
      };
    case "hubspot":
      return {
        sdk: "@hubspot/api-client 14 Signature.isValid v3",
        verify: async () => {
          await load();
          // The SDK is given the URI as HubSpot signs it: the documented escapes decoded.
          const uri = signedUrlOf(v).replace(/%(3A|2F|3F|40|21|24|27|28|29|2A|2C|3B)/gi, (m) => decodeURIComponent(m));
          const timestamp = Number(h["x-hubspot-request-timestamp"]);
          return atClock(v.now, () =>
            any((s) =>
              attempt(() =>
                sdk.hubspot.Signature.isValid({
                  signatureVersion: "v3",
                  method: v.request.method,
                  url: uri,
                  requestBody: body,
                  timestamp,
                  clientSecret: s,
                  signature: h["x-hubspot-signature-v3"],
                }),
              ),
            ),
          );
        },
      };
    case "square":
      return {
        sdk: "square 46 WebhooksHelper.verifySignature",
        verify: async () => (
          await load(),
          any((s) =>
            sdk.square.WebhooksHelper.verifySignature({
              requestBody: body,
              signatureHeader: h["x-square-hmacsha256-signature"],
              signatureKey: s,
              notificationUrl: signedUrlOf(v),
            }),
          )
        ),
      };
    case "paddle":
      return {
        sdk: "@paddle/paddle-node-sdk 3 paddle.webhooks.isSignatureValid",
        verify: async () => (
          await load(),
          atClock(v.now, () => any((s) => attempt(() => sdk.paddle.webhooks.isSignatureValid(body, s, h["paddle-signature"]))))
        ),
      };
    case "linear":
      return {
        sdk: "@linear/sdk 98 LinearWebhookClient.verify",
        verify: async () => (
          await load(),
          atClock(v.now, () =>
            any((s) => attempt(() => new sdk.linear.LinearWebhookClient(s).verify(Buffer.from(body, "utf8"), h[sdk.linear.LINEAR_WEBHOOK_SIGNATURE_HEADER]))),
          )
        ),
      };
    case "discord":
      return {
        sdk: "discord-interactions 4 verifyKey",
        verify: async () => (await load(), any((s) => sdk.discord.verifyKey(body, h["x-signature-ed25519"], h["x-signature-timestamp"], s))),
      };
    case "slack":
      return {
        sdk: "@slack/bolt 5 verifySlackRequest",
        verify: async () => (
          await load(),
          atClock(v.now, () =>
            any((s) =>
              attempt(
                () => (
                  sdk.slack.verifySlackRequest({
                    signingSecret: s,
                    body,
                    // Bolt's receivers pass the timestamp as a number.
                    headers: { "x-slack-signature": h["x-slack-signature"], "x-slack-request-timestamp": Number(h["x-slack-request-timestamp"]) },
                  }),
                  true
                ),
              ),
            ),
          )
        ),
      };
    case "shopify":
      return {
        sdk: "@shopify/shopify-api 15 webhooks.validate (node adapter)",
        verify: async () => {
          await load();
          return atClock(v.now, () =>
            any((s) =>
              attempt(async () => {
                // The node adapter reads headers, method and url off a real IncomingMessage.
                const rawRequest = new IncomingMessage(new Socket());
                const url = new URL(v.request.url);
                rawRequest.method = v.request.method;
                rawRequest.url = url.pathname + url.search;
                rawRequest.headers = { ...h };
                const rawResponse = new ServerResponse(rawRequest);
                const result = await shopifyFor(s).webhooks.validate({ rawBody: body, rawRequest, rawResponse });
                return result.valid === true;
              }),
            ),
          );
        },
      };
    case "zoom":
      return {
        sdk: "@zoom/rivet 0.4 AwsLambdaReceiver",
        verify: async () => {
          await load();
          // rivet checks the HMAC over JSON.stringify(JSON.parse(body)): its verdict is about the bytes sent
          // only when that is the body itself, so anything else is refused here.
          if (!(await attempt(() => JSON.stringify(JSON.parse(body)) === body))) return false;
          return any((s) =>
            attempt(async () => {
              const handler = new sdk.zoom.AwsLambdaReceiver({ webhooksSecretToken: s }).start();
              const res = await quietDebug(() => handler({ body, headers: h, isBase64Encoded: false }, {}));
              if (res.statusCode !== 200) return false;
              // The url_validation answer (encryptedToken) must be the reply the vector expects.
              return !v.reply || isDeepStrictEqual(JSON.parse(res.body), JSON.parse(v.reply.body));
            }),
          );
        },
      };
    case "sendgrid":
      return {
        sdk: "@sendgrid/eventwebhook 8 EventWebhook.verifySignature",
        verify: () => any((s) => sendgridAccepts(s, body, h["x-twilio-email-event-webhook-signature"], h["x-twilio-email-event-webhook-timestamp"])),
      };
    default:
      return null;
  }
}

/** One configured Shopify library per secret (the secret is app config there). */
const shopifyApps = new Map();
function shopifyFor(secret) {
  if (!shopifyApps.has(secret)) {
    const { shopifyApi, ApiVersion, LogSeverity } = sdk.shopify;
    shopifyApps.set(
      secret,
      shopifyApi({
        apiKey: "provider-vectors-api-key",
        apiSecretKey: secret,
        hostName: new URL(HOST).host,
        apiVersion: ApiVersion.July26,
        isEmbeddedApp: false,
        logger: { level: LogSeverity.Error, log: () => {} },
      }),
    );
  }
  return shopifyApps.get(secret);
}

/** rivet's Lambda receiver logs every event with console.debug: silenced for the call. */
async function quietDebug(fn) {
  const debug = console.debug;
  console.debug = () => {};
  try {
    return await fn();
  } finally {
    console.debug = debug;
  }
}

// ---- generation -------------------------------------------------------------------------

const PROVIDERS = [
  stripe,
  github,
  gitlab,
  gitlabSigning,
  shopify,
  slack,
  meta,
  discord,
  twilio,
  mailchimp,
  mandrill,
  standardWebhooks,
  svix,
  standardFamilyVectors,
  hmacFamilyVectors,
  credentialOnly,
  vnPayments,
  sendgridVectors,
  square,
  paddle,
  linear,
  zoom,
  mailgun,
  intercom,
  hubspot,
  typeform,
  dropbox,
  x,
  xero,
  okta,
  msgraph,
];

export function readCommitted(file = VECTORS_FILE) {
  return existsSync(file) ? JSON.parse(readFileSync(file, "utf8")) : undefined;
}

/**
 * All vectors, in a fixed order. `previous` (the committed vectors by default) only lends
 * its ECDSA signatures, and only where the SDK still accepts them. Throws when a provider's
 * SDK rejects a vector or a documented vector does not reproduce.
 */
export async function generate({ previous = readCommitted() } = {}) {
  const vectors = [];
  for (const provider of PROVIDERS) vectors.push(...(await provider(previous)));
  const names = new Set();
  for (const v of vectors) {
    if (names.has(v.name)) throw new Error(`duplicate vector name: ${v.name}`);
    names.add(v.name);
    const oracle = sdkOracle(v);
    if (oracle && !(await oracle.verify())) throw new Error(`${v.name}: ${oracle.sdk} rejects the vector`);
  }
  return vectors;
}

export const serialize = (vectors) => `${JSON.stringify(vectors, null, 2)}\n`;

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const vectors = await generate();
  writeFileSync(VECTORS_FILE, serialize(vectors));
  console.log(`${vectors.length} vectors, ${vectors.filter((v) => sdkOracle(v)).length} checked by a provider SDK -> ${VECTORS_FILE}`);
}
