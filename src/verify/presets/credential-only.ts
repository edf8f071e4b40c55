/**
 * Providers that sign nothing: they authenticate with credentials the receiver chose, sent
 * on every delivery. Presets all the same, so a user finds them by name. Neither kind covers
 * the body (whoever has the credential can send anything), and none has a timestamp.
 *
 * - HTTP Basic, `secrets` as `user:password` (the password may contain ':'):
 *   Postmark (credentials in the webhook URL, https://postmarkapp.com/developer/webhooks/webhooks-overview
 *   "You can configure your webhook URL with basic HTTP authentication by adding the user name and password to the URL"),
 *   Pipedrive (`http_auth_user` / `http_auth_password`, https://pipedrive.readme.io/docs/guide-for-webhooks),
 *   Chargebee (webhook basic authentication, https://www.chargebee.com/docs/billing/2.0/site-configuration/webhook_settings).
 * - SePay (https://developer.sepay.vn/en/sepay-webhooks/xac-thuc), API-key mode:
 *   `Authorization: Apikey <key>`; `secrets`: the key. (Its HMAC mode is not documented in full
 *   in the sources we have: not supported yet.)
 * - A header token: Telegram's `X-Telegram-Bot-Api-Secret-Token`, the `secret_token` given to
 *   setWebhook (https://core.telegram.org/bots/api#setwebhook). With dedup on, copies are told apart by the body.
 */
import { basicVerifier } from "../basic";
import { anyOf, SchemeConfigError } from "../scheme";
import { tokenVerifier } from "../token";
import type { Verifier } from "../types";
import { definePreset, type Preset } from "./types";

function basicPreset(name: string, display: string, source: string): Preset {
  return definePreset({
    display,
    sources: [source],
    options: {},
    async build({ secrets }) {
      const byUser = new Map<string, { value: string; notAfter?: number }[]>();
      for (const [i, s] of secrets.entries()) {
        const colon = s.value.indexOf(":");
        if (colon <= 0) throw new SchemeConfigError(`secrets.${i} must be "user:password" (the credentials ${name} sends)`);
        const user = s.value.slice(0, colon);
        byUser.set(user, [...(byUser.get(user) ?? []), { ...s, value: s.value.slice(colon + 1) }]);
      }
      const verifiers = await Promise.all([...byUser].map(([username, list]) => basicVerifier({ username, secrets: list, realm: name })));
      const scheme = `basic:${name}`;
      const one: Verifier = anyOf(scheme, verifiers);
      return { ...one, scheme };
    },
  });
}

export const postmark = basicPreset("postmark", "Postmark", "https://postmarkapp.com/developer/webhooks/webhooks-overview");
export const pipedrive = basicPreset("pipedrive", "Pipedrive", "https://pipedrive.readme.io/docs/guide-for-webhooks");
export const chargebee = basicPreset("chargebee", "Chargebee", "https://www.chargebee.com/docs/billing/2.0/site-configuration/webhook_settings");

export const sepay = definePreset({
  display: "SePay",
  sources: ["https://developer.sepay.vn/en/sepay-webhooks/xac-thuc"],
  options: {},
  async build({ secrets }) {
    // The header carries the scheme word too: the token compared is the whole value.
    const verifier = await tokenVerifier({ in: "header", name: "authorization", secrets: secrets.map((s) => ({ ...s, value: `Apikey ${s.value}` })), scheme: "sepay" });
    return verifier;
  },
});

export const telegram = definePreset({
  display: "Telegram Bot API",
  sources: ["https://core.telegram.org/bots/api#setwebhook"],
  options: {},
  async build({ secrets }) {
    const verifier = await tokenVerifier({ in: "header", name: "x-telegram-bot-api-secret-token", secrets, scheme: "telegram" });
    return verifier;
  },
});
