/**
 * Paddle Billing: `Paddle-Signature: ts=<unix>;h1=<hex HMAC-SHA256(secret, "<ts>:<body>")>`,
 * several `h1` during rotation (all are tried; the Node SDK keeps only the last). Paddle's
 * window is 5 s; ours is 5 s either way by default, configurable. Event id: `notification_id`.
 * https://developer.paddle.com/webhooks/signature-verification
 */
import type { SignatureScheme } from "../scheme";
import { schemePreset } from "./scheme-preset";

export const paddleScheme: SignatureScheme = {
  name: "paddle",
  algorithm: "hmac-sha256",
  encoding: "hex",
  header: "paddle-signature",
  format: { kind: "pairs", separator: ";", timestampKey: "ts", signatureKey: "h1" },
  payload: "{timestamp}:{body}",
  timestamp: { unit: "s", toleranceSeconds: 5 },
  eventId: { jsonField: "notification_id" },
  keyEncoding: "utf8",
};

export const paddle = schemePreset(paddleScheme, { display: "Paddle", sources: ["https://developer.paddle.com/webhooks/signature-verification"] });
