/**
 * GitHub: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(secret, body)>`; no timestamp, so
 * replays are caught only by dedup on `X-GitHub-Delivery` (the event id). The legacy
 * SHA-1 `X-Hub-Signature` is accepted only with `legacySha1`, and only when the SHA-256
 * header is absent: a request that carries both is judged by the stronger one.
 * https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries
 */
import { legacyFallback, type SignatureScheme } from "../scheme";
import { LEGACY_SHA1 } from "./options";
import { schemePreset } from "./scheme-preset";

export const githubScheme: SignatureScheme = {
  name: "github",
  algorithm: "hmac-sha256",
  encoding: "hex",
  header: "x-hub-signature-256",
  format: { kind: "single", prefix: "sha256=" },
  payload: "{body}",
  eventId: { header: "x-github-delivery" },
  keyEncoding: "utf8",
};

export const githubSha1Scheme: SignatureScheme = {
  ...githubScheme,
  name: "github-sha1",
  algorithm: "hmac-sha1",
  header: "x-hub-signature",
  format: { kind: "single", prefix: "sha1=" },
};

export const github = schemePreset(githubScheme, {
  display: "GitHub",
  sources: ["https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries"],
  options: { legacySha1: LEGACY_SHA1 },
  decorate: (v, input) => (input.options.legacySha1 ? legacyFallback(v, "x-hub-signature-256", githubSha1Scheme, input.secrets) : v),
});
