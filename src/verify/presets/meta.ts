/**
 * Meta (Facebook, Instagram, Messenger, WhatsApp): `X-Hub-Signature-256: sha256=<hex
 * HMAC-SHA256(app secret, body)>` over the raw bytes as sent (Meta escapes unicode; we
 * never re-serialize). No timestamp, no event id. The subscription handshake
 * `GET ?hub.mode=subscribe&hub.verify_token=…&hub.challenge=…` is answered at the edge
 * with the configured `verifyToken` (403 otherwise). `legacySha1` accepts `X-Hub-Signature`.
 * https://developers.facebook.com/docs/graph-api/webhooks/getting-started
 */
import { metaSubscribe } from "../handshakes";
import { legacyFallback, type SignatureScheme } from "../scheme";
import { LEGACY_SHA1 } from "./options";
import { schemePreset } from "./scheme-preset";

export const metaScheme: SignatureScheme = {
  name: "meta",
  algorithm: "hmac-sha256",
  encoding: "hex",
  header: "x-hub-signature-256",
  format: { kind: "single", prefix: "sha256=" },
  payload: "{body}",
  keyEncoding: "utf8",
};

const metaSha1Scheme: SignatureScheme = { ...metaScheme, name: "meta-sha1", algorithm: "hmac-sha1", header: "x-hub-signature", format: { kind: "single", prefix: "sha1=" } };

export const meta = schemePreset(metaScheme, {
  display: "Meta (Facebook, Instagram, WhatsApp)",
  sources: ["https://developers.facebook.com/docs/graph-api/webhooks/getting-started"],
  options: {
    legacySha1: LEGACY_SHA1,
    verifyToken: { secret: true, required: true, doc: "the Verify Token entered in the app dashboard (answers the subscription GET)" },
  },
  decorate: async (v, input) => ({
    ...(input.options.legacySha1 ? await legacyFallback(v, "x-hub-signature-256", metaSha1Scheme, input.secrets) : v),
    handshake: await metaSubscribe(input.options.verifyToken),
  }),
});
