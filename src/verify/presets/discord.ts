/**
 * Discord interactions and webhook events: `X-Signature-Ed25519: hex(Ed25519 signature of
 * X-Signature-Timestamp + body)`, checked with the application's public key (64 hex
 * characters). Discord documents no window; ours is 300 s either way, configurable.
 * Discord probes endpoints with invalid signatures: those get the usual 401. A verified
 * PING (type 1) is answered with PONG at the edge. Event id: the interaction's `id`.
 * https://discord.com/developers/docs/interactions/overview#setting-up-an-endpoint-validating-security-request-headers
 */
import { discordPing } from "../handshakes";
import type { SignatureScheme } from "../scheme";
import { schemePreset } from "./scheme-preset";

export const discordScheme: SignatureScheme = {
  name: "discord",
  algorithm: "ed25519",
  encoding: "hex",
  header: "x-signature-ed25519",
  format: { kind: "single", prefix: "" },
  payload: "{timestamp}{body}",
  timestamp: { header: "x-signature-timestamp", unit: "s", toleranceSeconds: 300 },
  eventId: { jsonField: "id" },
  keyEncoding: "auto",
};

export const discord = schemePreset(discordScheme, {
  display: "Discord",
  sources: ["https://discord.com/developers/docs/interactions/overview#setting-up-an-endpoint-validating-security-request-headers"],
  decorate: (v) => ({ ...v, reply: discordPing }),
});
