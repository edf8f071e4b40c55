// Typeform (src/verify/presets/typeform.ts): `Typeform-Signature: sha256=<base64 HMAC-SHA256 of the
// body>`. No SDK verifies it.
import { hex, hmac, json, JSON_TYPE } from "./lib.mjs";
import { HOST, iso, NOW_MS, vector } from "./vector.mjs";

export const signature = (secret, body) => `sha256=${hmac("sha256", secret, body, "base64")}`;

export function event(c) {
  const body = c.body ?? json({ event_id: c.eventId ?? hex(13).toUpperCase(), event_type: "form_response", form_response: { form_id: "lT4Z3j", submitted_at: new Date(c.now).toISOString(), answers: [{ type: "text", text: "It's great" }] } });
  return { body, headers: { "content-type": JSON_TYPE, "typeform-signature": signature(c.need("secret"), body) } };
}

export async function vectors() {
  const secret = "typeform-secret-provider-vectors";
  const eventId = "01J8VECTORS0TYPEFORM000000";
  const body = json({
    event_id: eventId,
    event_type: "form_response",
    form_response: {
      form_id: "lT4Z3j",
      token: "a3a12ec67a1365927098a606107fac15",
      submitted_at: iso(NOW_MS),
      answers: [{ type: "text", text: "Grüße", field: { id: "DlXFaesGBpoF", type: "long_text" } }],
    },
  });
  return [
    vector({
      name: "typeform: form_response (sha256=<base64>)",
      provider: "typeform",
      source: "node:crypto per https://www.typeform.com/developers/webhooks/secure-your-webhooks/",
      method: { secrets: [secret] },
      request: { url: `${HOST}/typeform`, headers: { "content-type": "application/json", "user-agent": "Typeform Webhooks", "typeform-signature": signature(secret, body) }, body },
      eventId,
    }),
  ];
}
