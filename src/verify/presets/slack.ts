/**
 * Slack: `X-Slack-Signature: v0=<hex HMAC-SHA256(signing secret, "v0:<ts>:<body>")>` with
 * `X-Slack-Request-Timestamp`; 5 minutes either way (Slack's docs measure the absolute
 * difference). `url_verification` arrives signed and is answered only once verified.
 * Event id: the Events API's `event_id` (slash commands and interactivity send none).
 * https://api.slack.com/authentication/verifying-requests-from-slack
 */
import { slackUrlVerification } from "../handshakes";
import type { SignatureScheme } from "../scheme";
import { schemePreset } from "./scheme-preset";

export const slackScheme: SignatureScheme = {
  name: "slack",
  algorithm: "hmac-sha256",
  encoding: "hex",
  header: "x-slack-signature",
  format: { kind: "single", prefix: "v0=" },
  payload: "v0:{timestamp}:{body}",
  timestamp: { header: "x-slack-request-timestamp", unit: "s", toleranceSeconds: 300 },
  eventId: { jsonField: "event_id" },
  keyEncoding: "utf8",
};

export const slack = schemePreset(slackScheme, {
  display: "Slack",
  sources: ["https://api.slack.com/authentication/verifying-requests-from-slack"],
  retryHours: 0, // the last retry comes about 5 minutes after the first
  decorate: (v) => ({ ...v, reply: slackUrlVerification }),
});
