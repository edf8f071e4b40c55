/**
 * X (Twitter) Account Activity: deliveries carry `x-twitter-webhooks-signature:
 * sha256=<base64 HMAC-SHA256(consumer secret, body)>`; the CRC `GET ?crc_token=` is answered
 * with the same primitive over the token. No timestamp, no event id.
 * https://docs.x.com/x-api/account-activity/introduction
 */
import { xCrc } from "../handshakes";
import type { SignatureScheme } from "../scheme";
import { schemePreset } from "./scheme-preset";
import { currentSecret } from "./types";

export const xScheme: SignatureScheme = {
  name: "x",
  algorithm: "hmac-sha256",
  encoding: "base64",
  header: "x-twitter-webhooks-signature",
  format: { kind: "single", prefix: "sha256=" },
  payload: "{body}",
  keyEncoding: "utf8",
};

export const x = schemePreset(xScheme, { decorate: (v, input) => ({ ...v, handshake: xCrc(currentSecret(input.secrets)) }) });
