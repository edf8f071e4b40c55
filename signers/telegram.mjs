// Telegram bots (src/verify/presets/credential-only.ts): the webhook's secret_token, sent as is in
// `X-Telegram-Bot-Api-Secret-Token`, no signature.
import { json, JSON_TYPE } from "./lib.mjs";
import { HOST, vector } from "./vector.mjs";

export const event = (c) => ({
  body: c.body ?? json({ update_id: Math.floor(c.now / 1000), message: { message_id: 1, text: "hello" } }),
  headers: { "content-type": JSON_TYPE, "x-telegram-bot-api-secret-token": c.need("secret") },
});

export async function vectors() {
  const token = "tg_secret_token-0123456789";
  return [
    vector({
      name: "telegram: secret_token header",
      provider: "telegram",
      source: "https://core.telegram.org/bots/api#setwebhook (secret_token: sent in a header X-Telegram-Bot-Api-Secret-Token in every webhook request)",
      method: { secrets: [token] },
      request: { url: `${HOST}/telegram`, headers: { "content-type": "application/json", "x-telegram-bot-api-secret-token": token }, body: json({ update_id: 10000, message: { message_id: 1, text: "hi" } }) },
    }),
  ];
}
