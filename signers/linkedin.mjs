// LinkedIn (src/verify/presets/linkedin.ts): `X-LI-Signature: <hex HMAC-SHA256 of "hmacsha256=" + body>`
// with the app's clientSecret; the endpoint validation (GET ?challengeCode=<uuid>) is answered with
// `{"challengeCode", "challengeResponse": hex HMAC-SHA256 of the code}`. No SDK verifies either
// (LinkedIn's API clients have no webhook code), and LinkedIn's example challengeResponse comes
// without its clientSecret, so the vectors are signed per the docs with node:crypto.
import { randomUUID } from "node:crypto";
import { hex, hmac, json, JSON_TYPE } from "./lib.mjs";
import { HOST, NOW_MS, vector } from "./vector.mjs";

const SOURCE = "https://learn.microsoft.com/en-us/linkedin/shared/api-guide/webhook-validation";

/** The X-LI-Signature value: the bare hex digest of the prefixed body. */
export const signature = (secret, body) => hmac("sha256", secret, Buffer.concat([Buffer.from("hmacsha256="), Buffer.from(body)]), "hex");
/** The validation's challengeResponse. */
export const challengeResponse = (secret, code) => hmac("sha256", secret, code, "hex");

const sample = (now, id) =>
  json({
    type: "ORGANIZATION_SOCIAL_ACTION_NOTIFICATIONS",
    notifications: [{ notificationId: id, organizationalEntity: "urn:li:organization:2414183", action: "COMMENT", sourcePost: "urn:li:share:7000000000000000001", lastModifiedAt: now }],
  });

export function event(c) {
  const body = c.body ?? sample(c.now, Number.parseInt(hex(6), 16));
  return { body, headers: { "content-type": JSON_TYPE, "x-li-signature": signature(c.need("secret"), body) } };
}

export function handshake(c) {
  const url = new URL(c.url);
  url.searchParams.set("challengeCode", randomUUID());
  return { method: "GET", url, headers: {} };
}

export async function vectors() {
  const secret = "linkedin-client-secret-provider-vectors";
  const body = sample(NOW_MS, 18_540_921);
  // The code of LinkedIn's own example request; its challengeResponse there is under a clientSecret it does not give.
  const challengeCode = "890e4665-4dfe-4ab1-b689-ed553bceeed0";
  return [
    vector({
      name: "linkedin: push event (X-LI-Signature)",
      provider: "linkedin",
      source: `node:crypto per ${SOURCE} ("compute the signature on the POST body prefixed by hmacsha256=" with the clientSecret; the header holds the hex digest)`,
      method: { secrets: [secret] },
      request: { url: `${HOST}/linkedin`, headers: { "content-type": "application/json", "x-li-signature": signature(secret, body) }, body },
    }),
    vector({
      name: "linkedin: endpoint validation (GET challengeCode)",
      provider: "linkedin",
      source: `node:crypto per ${SOURCE} (challengeResponse = Hex-encoded(HMACSHA256(challengeCode, clientSecret)), both returned as JSON; LinkedIn's example challengeCode)`,
      method: { secrets: [secret] },
      request: { method: "GET", url: `${HOST}/linkedin?challengeCode=${challengeCode}`, headers: {} },
      reply: { status: 200, contentType: "application/json", body: json({ challengeCode, challengeResponse: challengeResponse(secret, challengeCode) }) },
    }),
  ];
}
