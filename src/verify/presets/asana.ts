/**
 * Asana: `X-Hook-Signature: <hex HMAC-SHA256(secret, raw body)>`, keyed with the secret Asana
 * sends once, in the `X-Hook-Secret` header of the POST it makes while the webhook is being
 * created (answered 200 with that header echoed). The secret is per webhook and is never shown
 * anywhere else, so the route is saved without `secrets` and the gateway captures it: an admin
 * arms capture (`hookgate capture`), then creates the webhook (pipeline/capture.ts).
 *
 * The docs say "SHA256 HMAC signature" without an encoding; both of Asana's own samples
 * (Asana/devrel-examples, Node and Python) compare a lowercase hex digest keyed with the secret
 * as text, and the Python one over the raw bytes (the Node one re-serializes the parsed JSON,
 * which only matches for compact bodies): raw bytes, hex. No timestamp and no event id are
 * signed, and a delivery is a batch of `events` (empty for the heartbeats Asana sends): dedup
 * keys on the signature and body. Asana retries a failed delivery for up to 24 hours.
 * One route holds one webhook's secret: a second webhook on the same URL is refused
 * (`secret_already_set`), so give each Asana webhook its own route.
 */
import { asanaHookSecret } from "../handshakes";
import { schemeVerifier, type SignatureScheme } from "../scheme";
import { definePreset } from "./types";

export const asanaScheme: SignatureScheme = {
  name: "asana",
  algorithm: "hmac-sha256",
  encoding: "hex",
  header: "x-hook-signature",
  format: { kind: "single", prefix: "" },
  payload: "{body}",
  keyEncoding: "utf8",
};

export const asana = definePreset({
  display: "Asana",
  sources: [
    "https://developers.asana.com/docs/webhooks-guide",
    "https://developers.asana.com/reference/createwebhook",
    "https://github.com/Asana/devrel-examples/blob/master/python/webhooks_v5/server.py",
  ],
  options: {},
  retryHours: 24, // "Asana will try to resend the webhook for up to 24 hours"
  capture: { headers: ["x-hook-secret"], reveal: false },
  async build({ secrets }) {
    return { ...(await schemeVerifier(asanaScheme, secrets)), captureRequest: asanaHookSecret };
  },
});
