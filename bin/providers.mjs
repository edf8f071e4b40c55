// How each provider signs, for `hookgate send`: a sample event (or the provider's handshake)
// signed the way the provider documents it (docs/providers.md), so that a route can be tried
// without the provider. Node built-ins only. The gateway's own tests do not trust these
// signers: they verify against the providers' SDKs and documented vectors
// (scripts/provider-vectors.mjs); test/e2e/cli-send.test.ts checks that what this sends passes.
import { createHash, createHmac, createPrivateKey, randomBytes, randomUUID, sign as signWith } from "node:crypto";
import { readFileSync } from "node:fs";
import { signScheme } from "./scheme-signer.mjs";

/** The providers whose scheme is data: the presets, this signer and the vector generator read the same file. */
const HMAC_FAMILY = JSON.parse(readFileSync(new URL("../src/verify/presets/hmac-family.json", import.meta.url), "utf8"));

/** The providers that send Standard Webhooks: which header family, which key (the presets read the same file). */
const STANDARD_FAMILY = JSON.parse(readFileSync(new URL("../src/verify/presets/standard-family.json", import.meta.url), "utf8"));

const hmac = (algorithm, key, data, encoding) => createHmac(algorithm, key).update(data).digest(encoding);
const sha256Hex = (data) => createHash("sha256").update(data).digest("hex");
const hex = (n) => randomBytes(n).toString("hex");
const json = (value) => JSON.stringify(value);
const seconds = (ms) => Math.floor(ms / 1000);
const concat = (...parts) => Buffer.concat(parts.map((p) => (Buffer.isBuffer(p) ? p : Buffer.from(String(p)))));
/** Meta (and others) send non-ASCII as `\uXXXX`: the escaped text is what is signed. */
const asciiJson = (value) => json(value).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
const FORM = "application/x-www-form-urlencoded";
const JSON_TYPE = "application/json";

/** The URL the provider signs: the public one it was given (`--public-url`, plus the query sent), else the one called. */
const signedUrl = (c) => (c.publicUrl ? c.publicUrl + c.url.search : c.url.href);
/** Twilio and Mandrill: the URL, then each form field's key and value, sorted by key (Twilio also sorts repeated values). */
function sortedParams(body) {
  const byKey = new Map();
  for (const [k, v] of new URLSearchParams(body.toString("utf8"))) byKey.set(k, [...new Set([...(byKey.get(k) ?? []), v])]);
  return [...byKey.keys()].sort().map((k) => byKey.get(k).sort().map((v) => k + v).join("")).join("");
}
/** HubSpot v3 signs the URI with these escapes decoded (its docs list exactly these). */
const hubspotUri = (href) => href.replace(/%(3A|2F|3F|40|21|24|27|28|29|2A|2C|3B)/gi, (m) => decodeURIComponent(m));

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

// ---- sample events --------------------------------------------------------------------------

const stripeEvent = (c) =>
  json({ id: c.eventId ?? `evt_${hex(12)}`, object: "event", type: "payment_intent.succeeded", created: seconds(c.now), livemode: false, data: { object: { id: `pi_${hex(8)}`, object: "payment_intent", amount: 2000, currency: "usd", status: "succeeded" } } });
const githubPush = () =>
  json({ ref: "refs/heads/main", after: hex(20), repository: { id: 1296269, full_name: "acme/app" }, pusher: { name: "octocat" }, sender: { login: "octocat", id: 583231 }, head_commit: { message: "Fix the checkout button" } });
const gitlabPush = () => json({ object_kind: "push", event_name: "push", ref: "refs/heads/main", after: hex(20), user_username: "jsmith", project: { id: 15, path_with_namespace: "acme/app" }, total_commits_count: 1 });

/** The HMAC key of a Standard Webhooks secret: base64 after `whsec_` (Supabase shows it as `v1,whsec_…`), or Polar's UTF-8 bytes. */
const standardKey = (secret, key) => (key === "utf8" ? Buffer.from(secret) : Buffer.from(secret.replace(/^v1,/, "").replace(/^whsec_/, ""), "base64"));

/** Standard Webhooks (and Svix, GitLab's signing token): `v1,` HMAC with a `whsec_` secret, or `v1a,` Ed25519 with `--key`. */
function standardWebhooks(prefix, extra = () => ({}), key = "whsec") {
  return {
    event(c) {
      const id = c.eventId ?? `msg_${hex(12)}`;
      const ts = seconds(c.now);
      const body = c.body ?? json({ type: "invoice.paid", timestamp: new Date(c.now).toISOString(), data: { id: `inv_${hex(6)}`, amount: 1999 } });
      const signed = concat(`${id}.${ts}.`, body);
      const signature = c.key
        ? `v1a,${signWith(null, signed, c.key).toString("base64")}`
        : `v1,${hmac("sha256", standardKey(c.need("secret"), key), signed, "base64")}`;
      return { body, headers: { "content-type": JSON_TYPE, [`${prefix}-id`]: id, [`${prefix}-timestamp`]: String(ts), [`${prefix}-signature`]: signature, ...extra(id) } };
    },
    keyKind: "ed25519",
  };
}

/** A sample event with its id where the scheme reads one from the body (a dotted path). */
function withJsonId(path, id, payload) {
  const out = { ...payload };
  const keys = path.split(".");
  let at = out;
  for (const k of keys.slice(0, -1)) at = at[k] = { ...(at[k] ?? {}) };
  at[keys.at(-1)] = id;
  return out;
}

/** A secret the scheme decodes (hex, base64) must be that encoding: Node would silently sign with a truncated key. */
function encodedSecret(entry, secret) {
  const ok = { hex: /^(?:[0-9a-fA-F]{2})+$/, base64: /^[A-Za-z0-9+/]+={0,2}$/ }[entry.scheme.keyEncoding];
  if (ok && !ok.test(secret)) throw new Error(`--secret for ${entry.name} must be ${entry.scheme.keyEncoding} (the key as ${entry.display} shows it)`);
  return secret;
}

/** A data-only HMAC preset (hmac-family.json), signed by the one signer the vector generator uses too. */
function familySender(entry) {
  return {
    event(c) {
      const id = c.eventId ?? `evt_${hex(12)}`;
      const source = entry.scheme.eventId;
      const sample = { type: `${entry.name}.test`, created_at: new Date(c.now).toISOString(), data: { id: `obj_${hex(6)}` } };
      const body = c.body ?? json(source?.jsonField ? withJsonId(source.jsonField, id, sample) : sample);
      const idHeader = source?.header && (Array.isArray(source.header) ? source.header[0] : source.header).toLowerCase();
      const headers = { "content-type": JSON_TYPE, ...(idHeader && { [idHeader]: id }) };
      const key = entry.scheme.algorithm === "ed25519" ? { privateKey: c.key ?? c.need("key") } : { secret: encodedSecret(entry, c.need("secret")) };
      return { body, headers: { ...headers, ...signScheme(entry.scheme, { ...key, body: Buffer.from(body), now: c.now, url: c.url.href, method: "POST", headers }) } };
    },
    ...(entry.scheme.algorithm === "ed25519" && { keyKind: "ed25519" }),
  };
}

/** Slack's and Zoom's `v0:<timestamp>:<body>` signature. */
const v0 = (c, body) => {
  const ts = String(seconds(c.now));
  return { ts, signature: `v0=${hmac("sha256", c.need("secret"), concat(`v0:${ts}:`, body), "hex")}` };
};

function slackRequest(c, body) {
  const { ts, signature } = v0(c, body);
  return { body, headers: { "content-type": JSON_TYPE, "x-slack-request-timestamp": ts, "x-slack-signature": signature } };
}

function zoomRequest(c, body) {
  const { ts, signature } = v0(c, body);
  return { body, headers: { "content-type": JSON_TYPE, "x-zm-request-timestamp": ts, "x-zm-signature": signature } };
}

function discordRequest(c, body) {
  const ts = String(seconds(c.now));
  return { body, headers: { "content-type": JSON_TYPE, "x-signature-timestamp": ts, "x-signature-ed25519": signWith(null, concat(ts, body), c.need("key")).toString("hex") } };
}

function twilioRequest(c, body, json_) {
  const url = new URL(c.url);
  if (json_) url.searchParams.set("bodySHA256", sha256Hex(body));
  const target = signedUrl({ ...c, url });
  const signature = hmac("sha1", c.need("secret"), json_ ? target : target + sortedParams(body), "base64");
  return { url, body, headers: { "content-type": json_ ? JSON_TYPE : FORM, "x-twilio-signature": signature, "i-twilio-idempotency-token": c.eventId ?? randomUUID() } };
}

function mandrillRequest(c, events) {
  const body = Buffer.from(new URLSearchParams({ mandrill_events: json(events) }).toString());
  return { body, headers: { "content-type": FORM, "x-mandrill-signature": hmac("sha1", c.need("secret"), signedUrl(c) + sortedParams(body), "base64") } };
}

function xeroRequest(c, events) {
  const body = c.body ?? json({ events, firstEventSequence: events.length ? 1 : 0, lastEventSequence: events.length ? 1 : 0, entropy: hex(10).toUpperCase() });
  return { body, headers: { "content-type": JSON_TYPE, "x-xero-signature": hmac("sha256", c.need("secret"), body, "base64") } };
}

const SNS_DEMO_TOPIC = "arn:aws:sns:us-east-1:123456789012:hookgate-demo";
const SNS_DEMO_CERT_URL = "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-hookgate-demo.pem";
const SNS_SIGNED = {
  Notification: ["Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"],
  SubscriptionConfirmation: ["Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"],
};

/** An SNS message signed with `--key` (RSA-SHA256, SignatureVersion 2) for the certificate at `--cert-url`. */
function snsRequest(c, type) {
  const topic = c.topicArn ?? SNS_DEMO_TOPIC;
  const region = topic.split(":")[3];
  const token = hex(32);
  const message = {
    Type: type,
    MessageId: c.eventId ?? randomUUID(),
    ...(type === "SubscriptionConfirmation"
      ? { Token: token, Message: `You have chosen to subscribe to the topic ${topic}.`, SubscribeURL: `https://sns.${region}.amazonaws.com/?Action=ConfirmSubscription&TopicArn=${encodeURIComponent(topic)}&Token=${token}` }
      : { Subject: "hookgate", Message: c.body ? c.body.toString("utf8") : json({ order: `ord_${hex(4)}`, status: "paid" }) }),
    TopicArn: topic,
    Timestamp: new Date(c.now).toISOString(),
    SignatureVersion: "2",
  };
  const toSign = SNS_SIGNED[type].filter((k) => k in message).map((k) => `${k}\n${message[k]}\n`).join("");
  const signed = { ...message, Signature: signWith("sha256", Buffer.from(toSign), c.need("key")).toString("base64"), SigningCertURL: c.certUrl ?? SNS_DEMO_CERT_URL };
  return {
    body: json(signed),
    headers: { "content-type": "text/plain; charset=UTF-8", "x-amz-sns-message-type": type, "x-amz-sns-message-id": message.MessageId, "x-amz-sns-topic-arn": topic },
  };
}

/** A random challenge, and the GET that carries it in the query. */
const challenge = () => hex(16);
const getWith = (c, params) => {
  const url = new URL(c.url);
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  return { method: "GET", url, headers: {} };
};

// ---- the providers -------------------------------------------------------------------------
// `event` builds a delivery, `handshake` the provider's verification request (`send
// --handshake`); each asks the context for what it needs (`c.need("secret")`: --secret,
// `c.need("key")`: --key, a private key of `keyKind`).

export const providers = {
  stripe: {
    event(c) {
      const body = c.body ?? stripeEvent(c);
      const t = seconds(c.now);
      return { body, headers: { "content-type": JSON_TYPE, "stripe-signature": `t=${t},v1=${hmac("sha256", c.need("secret"), concat(`${t}.`, body), "hex")}` } };
    },
  },
  github: {
    event(c) {
      const body = c.body ?? githubPush();
      return { body, headers: { "content-type": JSON_TYPE, "x-github-event": "push", "x-github-delivery": c.eventId ?? randomUUID(), "x-hub-signature-256": `sha256=${hmac("sha256", c.need("secret"), body, "hex")}` } };
    },
  },
  gitlab: {
    event(c) {
      const id = c.eventId ?? randomUUID();
      return { body: c.body ?? gitlabPush(), headers: { "content-type": JSON_TYPE, "x-gitlab-event": "Push Hook", "x-gitlab-token": c.need("secret"), "idempotency-key": id, "x-gitlab-event-uuid": id } };
    },
  },
  "gitlab-signing": standardWebhooks("webhook", (id) => ({ "x-gitlab-event": "Push Hook", "idempotency-key": id })),
  "standard-webhooks": standardWebhooks("webhook"),
  svix: standardWebhooks("svix"),
  ...Object.fromEntries(STANDARD_FAMILY.map((p) => [p.name, standardWebhooks(p.sends, () => ({}), p.key)])),
  ...Object.fromEntries(HMAC_FAMILY.map((e) => [e.name, familySender(e)])),
  // Credentials only: Basic with `--secret user:password`, Telegram's header token.
  ...Object.fromEntries(["postmark", "pipedrive", "chargebee"].map((name) => [name, { event: (c) => ({ body: c.body ?? json({ event: `${name}.test`, id: c.eventId ?? hex(8) }), headers: { "content-type": JSON_TYPE, authorization: `Basic ${Buffer.from(c.need("secret")).toString("base64")}` } }) }])),
  // Signatures in the body (src/verify/presets/vn-payments.ts).
  zalopay: {
    event(c) {
      const data = json({ app_id: 2553, app_trans_id: c.eventId ?? `${new Date(c.now).toISOString().slice(2, 10).replace(/-/g, "")}_2553_${hex(6)}`, amount: 50000, server_time: c.now, zp_trans_id: Number(String(c.now).slice(-12)) });
      const body = c.body ?? json({ data, mac: hmac("sha256", c.need("secret"), data, "hex"), type: 1 });
      return { body, headers: { "content-type": JSON_TYPE } };
    },
  },
  payos: {
    event(c) {
      const data = { orderCode: Number(String(c.now).slice(-6)), amount: 3000, description: "hookgate test", reference: c.eventId ?? `FT${hex(6)}`, transactionDateTime: new Date(c.now).toISOString().slice(0, 19).replace("T", " "), currency: "VND", code: "00", desc: "success" };
      const signed = Object.keys(data).sort().map((k) => `${k}=${data[k]}`).join("&");
      return { body: c.body ?? json({ code: "00", desc: "success", success: true, data, signature: hmac("sha256", c.need("secret"), signed, "hex") }), headers: { "content-type": JSON_TYPE } };
    },
  },
  sepay: { event: (c) => ({ body: c.body ?? json({ id: Number(String(c.now).slice(-6)), gateway: "Vietcombank", transferType: "in", transferAmount: 100000, content: "hookgate test" }), headers: { "content-type": JSON_TYPE, authorization: `Apikey ${c.need("secret")}` } }) },
  telegram: { event: (c) => ({ body: c.body ?? json({ update_id: Math.floor(c.now / 1000), message: { message_id: 1, text: "hello" } }), headers: { "content-type": JSON_TYPE, "x-telegram-bot-api-secret-token": c.need("secret") } }) },
  shopify: {
    event(c) {
      // A new order each time: Shopify's webhook id is not signed, so the gateway also keys
      // dedup on the signed body, and two sends of one body are one event.
      const body = c.body ?? json({ id: 5_000_000_000_000 + randomBytes(4).readUInt32BE(), email: "jon@example.com", total_price: "19.99", currency: "EUR", note: "Grüße" });
      return {
        body,
        headers: {
          "content-type": JSON_TYPE,
          "x-shopify-topic": "orders/create",
          "x-shopify-shop-domain": "example.myshopify.com",
          "x-shopify-api-version": "2026-07",
          "x-shopify-webhook-id": c.eventId ?? randomUUID(),
          "x-shopify-triggered-at": new Date(c.now).toISOString(),
          "x-shopify-hmac-sha256": hmac("sha256", c.need("secret"), body, "base64"),
        },
      };
    },
  },
  slack: {
    event: (c) =>
      slackRequest(c, c.body ?? json({ type: "event_callback", team_id: "T061EG9R6", event_id: c.eventId ?? `Ev${hex(5).toUpperCase()}`, event_time: seconds(c.now), event: { type: "app_mention", user: "U061F7AUR", text: "<@U0LAN0Z89> hello" } })),
    handshake: (c) => slackRequest(c, json({ token: "Jhj5dZrVaK7ZwHHjRyZWjbDl", challenge: challenge(), type: "url_verification" })),
  },
  meta: {
    event(c) {
      const body = c.body ?? asciiJson({ object: "page", entry: [{ id: "1234567890", time: c.now, messaging: [{ sender: { id: "42" }, message: { mid: `m_${hex(8)}`, text: "Grüße äöå" } }] }] });
      return { body, headers: { "content-type": JSON_TYPE, "x-hub-signature-256": `sha256=${hmac("sha256", c.need("secret"), body, "hex")}` } };
    },
    handshake: (c) => getWith(c, { "hub.mode": "subscribe", "hub.verify_token": c.need("verifyToken"), "hub.challenge": challenge() }),
  },
  discord: {
    keyKind: "ed25519",
    event: (c) => discordRequest(c, c.body ?? json({ type: 2, id: c.eventId ?? String(BigInt(c.now) << 22n), application_id: "1180000000000000000", token: hex(16), data: { name: "hello", type: 1 } })),
    handshake: (c) => discordRequest(c, json({ type: 1, id: String(BigInt(c.now) << 22n), application_id: "1180000000000000000", token: hex(16) })),
  },
  twilio: {
    event(c) {
      if (c.contentType?.includes("json")) return twilioRequest(c, c.body ?? json({ EventType: "com.twilio.messaging.message.delivered", MessageSid: `SM${hex(16)}` }), true);
      const body = c.body ?? new URLSearchParams({ MessageSid: `SM${hex(16)}`, AccountSid: `AC${hex(16)}`, From: "+14158675310", To: "+14155550100", Body: "Hello from hookgate", NumMedia: "0" }).toString();
      return twilioRequest(c, Buffer.from(body), false);
    },
  },
  mailchimp: {
    event(c) {
      const url = new URL(c.url);
      url.searchParams.set(c.param ?? "auth", c.need("secret"));
      const body = c.body ?? new URLSearchParams({ type: "subscribe", fired_at: new Date(c.now).toISOString().slice(0, 19).replace("T", " "), "data[id]": hex(5), "data[email]": "api@mailchimp.com", "data[list_id]": "a6b5da1054" }).toString();
      return { url, body, headers: { "content-type": FORM } };
    },
    handshake(c) {
      const url = new URL(c.url);
      url.searchParams.set(c.param ?? "auth", c.need("secret"));
      return { method: "GET", url, headers: {} };
    },
  },
  mandrill: {
    event: (c) => mandrillRequest(c, [{ event: "send", _id: c.eventId ?? hex(16), ts: seconds(c.now), msg: { email: "jon@example.com", subject: "Your receipt", state: "sent" } }]),
    handshake: (c) => ({ method: "HEAD", url: c.url, headers: {} }),
  },
  sendgrid: {
    keyKind: "p256",
    event(c) {
      const ts = String(seconds(c.now));
      const events = [{ email: "jon@example.com", timestamp: seconds(c.now), event: "delivered", sg_event_id: c.eventId ?? hex(11), sg_message_id: hex(11) }];
      const body = c.body ?? `${json(events)}\r\n`;
      const signature = signWith("sha256", concat(ts, body), c.need("key")).toString("base64");
      return { body, headers: { "content-type": JSON_TYPE, "x-twilio-email-event-webhook-timestamp": ts, "x-twilio-email-event-webhook-signature": signature } };
    },
  },
  square: {
    event(c) {
      const body = Buffer.from(c.body ?? json({ merchant_id: "6SSW7HV8K2ST5", type: "payment.created", event_id: c.eventId ?? randomUUID(), created_at: new Date(c.now).toISOString(), data: { type: "payment", id: hex(8) } }));
      return { body, headers: { "content-type": JSON_TYPE, "x-square-hmacsha256-signature": hmac("sha256", c.need("secret"), concat(signedUrl(c), body), "base64") } };
    },
  },
  paddle: {
    event(c) {
      const body = c.body ?? json({ event_id: `evt_${hex(13)}`, event_type: "transaction.completed", occurred_at: new Date(c.now).toISOString(), notification_id: c.eventId ?? `ntf_${hex(13)}`, data: { id: `txn_${hex(13)}`, status: "completed" } });
      const ts = seconds(c.now);
      return { body, headers: { "content-type": JSON_TYPE, "paddle-signature": `ts=${ts};h1=${hmac("sha256", c.need("secret"), concat(`${ts}:`, body), "hex")}` } };
    },
  },
  linear: {
    event(c) {
      const body = c.body ?? json({ action: "create", type: "Issue", data: { id: randomUUID(), title: "Checkout button does nothing" }, webhookTimestamp: c.now, webhookId: randomUUID() });
      return { body, headers: { "content-type": JSON_TYPE, "linear-event": "Issue", "linear-delivery": c.eventId ?? randomUUID(), "linear-signature": hmac("sha256", c.need("secret"), body, "hex") } };
    },
  },
  zoom: {
    event: (c) => zoomRequest(c, c.body ?? json({ event: "meeting.started", event_ts: c.now, payload: { account_id: "AAAAAABBBB", object: { id: "1234567890", topic: "Standup" } } })),
    handshake: (c) => zoomRequest(c, json({ event: "endpoint.url_validation", event_ts: c.now, payload: { plainToken: challenge() } })),
  },
  mailgun: {
    event(c) {
      const timestamp = String(seconds(c.now));
      const token = c.eventId ?? hex(25);
      const signature = { timestamp, token, signature: hmac("sha256", c.need("secret"), timestamp + token, "hex") };
      const body = json({ signature, "event-data": { event: "delivered", id: hex(11), timestamp: c.now / 1000, recipient: "jon@example.com" } });
      return { body, headers: { "content-type": JSON_TYPE } };
    },
  },
  intercom: {
    event(c) {
      const body = c.body ?? json({ type: "notification_event", id: c.eventId ?? `notif_${randomUUID()}`, topic: "conversation.user.created", app_id: "a86dr8yl", created_at: seconds(c.now), data: { item: { type: "conversation", id: "147" } } });
      return { body, headers: { "content-type": JSON_TYPE, "x-hub-signature": `sha1=${hmac("sha1", c.need("secret"), body, "hex")}` } };
    },
  },
  hubspot: {
    event(c) {
      const body = c.body ?? json([{ eventId: Number(BigInt(c.now) % 1000000n), subscriptionType: "contact.creation", portalId: 62515, occurredAt: c.now, objectId: 123, attemptNumber: 0 }]);
      const ts = String(c.now);
      const signature = hmac("sha256", c.need("secret"), concat(`POST${hubspotUri(signedUrl(c))}`, body, ts), "base64");
      return { body, headers: { "content-type": JSON_TYPE, "x-hubspot-signature-v3": signature, "x-hubspot-request-timestamp": ts } };
    },
  },
  typeform: {
    event(c) {
      const body = c.body ?? json({ event_id: c.eventId ?? hex(13).toUpperCase(), event_type: "form_response", form_response: { form_id: "lT4Z3j", submitted_at: new Date(c.now).toISOString(), answers: [{ type: "text", text: "It's great" }] } });
      return { body, headers: { "content-type": JSON_TYPE, "typeform-signature": `sha256=${hmac("sha256", c.need("secret"), body, "base64")}` } };
    },
  },
  dropbox: {
    event(c) {
      const body = c.body ?? json({ list_folder: { accounts: ["dbid:AAH4f99T0taONIb-OurWxbNQ6ywGRopQngc"] }, delta: { users: [12345678] } });
      return { body, headers: { "content-type": JSON_TYPE, "x-dropbox-signature": hmac("sha256", c.need("secret"), body, "hex") } };
    },
    handshake: (c) => getWith(c, { challenge: challenge() }),
  },
  sns: {
    keyKind: "rsa",
    event: (c) => snsRequest(c, "Notification"),
    handshake: (c) => snsRequest(c, "SubscriptionConfirmation"),
  },
  okta: {
    event(c) {
      const body = c.body ?? json({ eventType: "com.okta.event_hook", eventId: c.eventId ?? randomUUID(), eventTime: new Date(c.now).toISOString(), data: { events: [{ uuid: randomUUID(), eventType: "user.session.start" }] } });
      return { body, headers: { "content-type": JSON_TYPE, [c.headerToken ?? "authorization"]: c.need("secret") } };
    },
    handshake: (c) => ({ method: "GET", url: c.url, headers: { "x-okta-verification-challenge": challenge(), [c.headerToken ?? "authorization"]: c.need("secret") } }),
  },
  xero: {
    event: (c) => xeroRequest(c, [{ resourceUrl: "https://api.xero.com/api.xro/2.0/Contacts/717f2bfc", resourceId: randomUUID(), eventDateUtc: new Date(c.now).toISOString(), eventType: "CREATE", eventCategory: "CONTACT", tenantId: randomUUID(), tenantType: "ORGANISATION" }]),
    handshake: (c) => xeroRequest(c, []),
  },
  msgraph: {
    event(c) {
      const notification = { subscriptionId: randomUUID(), subscriptionExpirationDateTime: new Date(c.now + 86_400_000).toISOString(), changeType: "created", resource: "Users/8bc5a1e0/Messages/AAMkAGUwNjQ4ZjIxAAA=", clientState: c.need("secret"), tenantId: randomUUID() };
      return { body: c.body ?? json({ value: [notification] }), headers: { "content-type": JSON_TYPE } };
    },
    handshake(c) {
      const url = new URL(c.url);
      url.searchParams.set("validationToken", `Validation: Testing client application reachability for subscription Request-Id: ${randomUUID()}`);
      return { url, body: "", headers: { "content-type": "text/plain; charset=utf-8" } };
    },
  },
  x: {
    event(c) {
      const body = c.body ?? json({ for_user_id: "2244994945", tweet_create_events: [{ id_str: String(BigInt(c.now) << 22n), text: "hello from hookgate" }] });
      return { body, headers: { "content-type": JSON_TYPE, "x-twitter-webhooks-signature": `sha256=${hmac("sha256", c.need("secret"), body, "base64")}` } };
    },
    handshake: (c) => getWith(c, { crc_token: challenge() }),
  },
};

/** What `send --provider token|basic|none` posts: a Stripe-like event. */
export const sampleEvent = stripeEvent;
