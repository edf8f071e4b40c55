// SePay (src/verify/presets/credential-only.ts): its API key in `Authorization: Apikey <key>`, no signature.
import { json, JSON_TYPE } from "./lib.mjs";
import { HOST, vector } from "./vector.mjs";

const authorization = (key) => `Apikey ${key}`;

export const event = (c) => ({
  body: c.body ?? json({ id: Number(String(c.now).slice(-6)), gateway: "Vietcombank", transferType: "in", transferAmount: 100000, content: "hookgate test" }),
  headers: { "content-type": JSON_TYPE, authorization: authorization(c.need("secret")) },
});

export async function vectors() {
  const key = "sepay_api_key_0123456789ABCDEF";
  return [
    vector({
      name: "sepay: API key header",
      provider: "sepay",
      source: "https://developer.sepay.vn/en/sepay-webhooks/xac-thuc (API Key: header Authorization: Apikey <key>)",
      method: { secrets: [key] },
      request: { url: `${HOST}/sepay`, headers: { "content-type": "application/json", authorization: authorization(key) }, body: json({ id: 92704, gateway: "Vietcombank", transferType: "in", transferAmount: 2277000, content: "chuyen tien" }) },
    }),
  ];
}
