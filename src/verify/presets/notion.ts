/**
 * Notion: `X-Notion-Signature: sha256=<hex HMAC-SHA256(verification_token, raw body)>`. The
 * token arrives once, unsigned, as `{"verification_token": …}` in the first POST to a new
 * subscription; the operator pastes it into the integration's Webhooks tab to activate the
 * subscription, and every later event is signed with it. So the route is saved without
 * `secrets`, the gateway captures the token while an admin has armed capture
 * (pipeline/capture.ts), and `GET …/capture` shows it to the admin, whose credential it is.
 *
 * Notion's page on the signature was only partly readable here; its wording (a signature with
 * every event, keyed with the verification token) and every third-party verifier found agree on
 * `sha256=` + lowercase hex over the raw body (hookdeck's notion-webhooks skill, the
 * notionrs_webhooks crate). A mismatch fails closed. No timestamp is signed. Event id: the
 * body's top-level `id` (signed; that it is the same on Notion's retries is not documented).
 */
import { notionVerificationToken } from "../handshakes";
import { schemeVerifier, type SignatureScheme } from "../scheme";
import { definePreset } from "./types";

export const notionScheme: SignatureScheme = {
  name: "notion",
  algorithm: "hmac-sha256",
  encoding: "hex",
  header: "x-notion-signature",
  format: { kind: "single", prefix: "sha256=" },
  payload: "{body}",
  eventId: { jsonField: "id" },
  keyEncoding: "utf8",
};

export const notion = definePreset({
  display: "Notion",
  sources: ["https://developers.notion.com/reference/webhooks", "https://docs.rs/crate/notionrs_webhooks/latest/source/src/verify_signature.rs"],
  options: {},
  capture: { headers: [], reveal: true },
  async build({ secrets }) {
    return { ...(await schemeVerifier(notionScheme, secrets)), captureRequest: notionVerificationToken };
  },
});
