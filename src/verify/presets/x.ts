/**
 * X (Twitter) Account Activity: deliveries carry `x-twitter-webhooks-signature:
 * sha256=<base64 HMAC-SHA256(consumer secret, body)>`; the CRC `GET ?crc_token=` is answered
 * with the same primitive over the token. No timestamp, no event id.
 *
 * Because the CRC is unsigned, anyone can get the signature of any short string. Every X
 * delivery is a JSON object, and the CRC refuses tokens that start like one, so a signed body
 * must also start like one: a body a CRC answer could have signed fails as malformed_body.
 * https://docs.x.com/x-api/account-activity/introduction
 */
import { startsLikeJsonObject, xCrc } from "../handshakes";
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

const utf8Prefix = new TextDecoder();

export const x = schemePreset(xScheme, { display: "X (Twitter)", sources: ["https://docs.x.com/x-api/account-activity/introduction"], 
  decorate: (v, input) => ({
    ...v,
    handshake: xCrc(currentSecret(input.secrets)),
    async verify(req) {
      // 64 bytes are enough to see past JSON's leading whitespace in anything X sends.
      if (!startsLikeJsonObject(utf8Prefix.decode(req.body.subarray(0, 64)))) return { ok: false, reason: "malformed_body" };
      return v.verify(req);
    },
  }),
});
