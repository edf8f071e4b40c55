/**
 * GitHub: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(secret, body)>`; no timestamp, so
 * replays are caught only by dedup on `X-GitHub-Delivery` (the event id).
 * https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries
 */
import type { HmacScheme } from "../hmac";

export const github: HmacScheme = {
  name: "github",
  algorithm: "SHA-256",
  encoding: "hex",
  header: "x-hub-signature-256",
  format: { kind: "single", prefix: "sha256=" },
  payload: "{body}",
  eventIdHeader: "x-github-delivery",
  secretEncoding: "utf8",
};
