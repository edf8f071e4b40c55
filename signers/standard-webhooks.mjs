// Standard Webhooks (src/verify/presets/standard-webhooks.ts): `<prefix>-signature` over
// `<id>.<timestamp>.<body>`, `v1,` HMAC-SHA256 with a `whsec_` secret or `v1a,` Ed25519. The one
// signer of every Standard Webhooks sender (svix, gitlab-signing, standard-family.json); the
// reference libraries (standardwebhooks, svix) sign the vectors and ours must give the same.
import { sign as signWith } from "node:crypto";
import { concat, hex, hmac, json, JSON_TYPE, seconds } from "./lib.mjs";
import { agree, anySecret, atClock, attempt, HOST, iso, NOW_MS, once, TS, vector } from "./vector.mjs";

/** The HMAC key of a secret: base64 after `whsec_` (Supabase shows it as `v1,whsec_…`), or with `utf8` (Polar) its UTF-8 bytes. */
const hmacKey = (secret, encoding) => (encoding === "utf8" ? Buffer.from(secret) : Buffer.from(secret.replace(/^v1,/, "").replace(/^whsec_/, ""), "base64"));

/** One signature entry: `v1,` with `secret` (its `encoding`: whsec or utf8), `v1a,` with `privateKey`. */
export function signature({ secret, encoding, privateKey }, id, timestamp, body) {
  const signed = concat(`${id}.${timestamp}.`, body);
  return privateKey ? `v1a,${signWith(null, signed, privateKey).toString("base64")}` : `v1,${hmac("sha256", hmacKey(secret, encoding), signed, "base64")}`;
}

/** The `send` of a sender with `<prefix>-*` headers (plus `extra`, given the id) and its secret's encoding. */
export function standardSender(prefix, extra = () => ({}), encoding = "whsec") {
  return {
    event(c) {
      const id = c.eventId ?? `msg_${hex(12)}`;
      const ts = seconds(c.now);
      const body = c.body ?? json({ type: "invoice.paid", timestamp: new Date(c.now).toISOString(), data: { id: `inv_${hex(6)}`, amount: 1999 } });
      const sig = signature(c.key ? { privateKey: c.key } : { secret: c.need("secret"), encoding }, id, ts, body);
      return { body, headers: { "content-type": JSON_TYPE, [`${prefix}-id`]: id, [`${prefix}-timestamp`]: String(ts), [`${prefix}-signature`]: sig, ...extra(id) } };
    },
    keyKind: "ed25519",
  };
}

export const { event, keyKind } = standardSender("webhook");

const LIBRARIES = { svix: { name: "svix 2.5", load: once(() => import("svix")) }, standardwebhooks: { name: "standardwebhooks 1.1", load: once(() => import("standardwebhooks")) } };

/** `lib` (svix or standardwebhooks) signing at `ms`, given the secret as that library takes it; ours (with `ours`) must agree. */
export async function librarySigned(lib, key, id, ms, body, ours) {
  const { Webhook } = await LIBRARIES[lib].load();
  return agree(`${LIBRARIES[lib].name} Webhook.sign`, signature(ours, id, Math.floor(ms / 1000), body), new Webhook(key).sign(id, new Date(ms), body));
}

/** `lib`'s verify, given each route secret as `key` turns it into what that library takes. */
export function libraryOracle(v, lib, key = (s) => s) {
  return {
    sdk: `${LIBRARIES[lib].name} Webhook.verify`,
    verify: async () => {
      const { Webhook } = await LIBRARIES[lib].load();
      return atClock(v.now, () => anySecret(v, (s) => attempt(() => (new Webhook(key(s)).verify(v.request.body, v.request.headers), true))));
    },
  };
}

export async function vectors() {
  const spec = "https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md";
  // Documented vector, at its own time; the reference library must reproduce it.
  const doc = {
    secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
    id: "msg_p5jXN8AQM9LWM0D4loKWxJek",
    ts: 1614265330,
    body: '{"test": 2432232314}',
    signature: "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
  };
  agree("standard-webhooks: documented vector", await librarySigned("standardwebhooks", doc.secret, doc.id, doc.ts * 1000, doc.body, { secret: doc.secret }), doc.signature);
  const oldSecret = `whsec_${Buffer.alloc(32, 0x01).toString("base64")}`;
  const secret = `whsec_${Buffer.alloc(32, 0x02).toString("base64")}`;
  const id = "msg_2VecT0rStandardWebhooks0";
  const body = json({ type: "invoice.paid", timestamp: iso(NOW_MS), data: { id: "inv_123", amount: 1999 } });
  const sign = (s) => librarySigned("standardwebhooks", s, id, NOW_MS, body, { secret: s });
  const headers = (sig) => ({ "content-type": "application/json", "webhook-id": id, "webhook-timestamp": String(TS), "webhook-signature": sig });
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
      request: { url: `${HOST}/standard`, headers: headers(`${await sign(oldSecret)} ${await sign(secret)}`), body },
      eventId: id,
    }),
  ];
}

/** svix-* headers (signed in svix.mjs) are checked by the svix library, which reads either family. */
export const oracle = (v) => libraryOracle(v, v.request.headers["svix-signature"] ? "svix" : "standardwebhooks");
