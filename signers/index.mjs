// Which module signs each preset, for `hookgate send` and scripts/provider-vectors.mjs: a
// hand-written preset in signers/<name>.mjs, the presets written down as data in one module per
// file (hmac-family.json, standard-family.json). Modules load on demand, so `send` loads only the
// chosen provider's and never an SDK. Node built-ins only.
import { readFileSync } from "node:fs";

const names = (file) => JSON.parse(readFileSync(new URL(`../src/verify/presets/${file}`, import.meta.url), "utf8")).map((p) => p.name);
const FAMILIES = { "standard-family": names("standard-family.json"), "hmac-family": names("hmac-family.json") };

/** Every preset `send` signs for, in the order `hookgate` lists them. */
export const PROVIDERS = [
  ...["stripe", "github", "gitlab", "gitlab-signing", "standard-webhooks", "svix"],
  ...FAMILIES["standard-family"],
  ...FAMILIES["hmac-family"],
  ...["postmark", "pipedrive", "chargebee", "zalopay", "payos", "sepay", "telegram"],
  ...["shopify", "slack", "meta", "discord", "twilio", "mailchimp", "mandrill", "sendgrid", "square", "paddle", "linear", "zoom"],
  ...["mailgun", "intercom", "hubspot", "typeform", "dropbox", "sns", "okta", "xero", "msgraph", "x"],
  ...["momo", "vnpay", "casso", "zalo-oa", "netlify", "vonage", "plaid", "fusionauth", "paypal", "monday", "adyen", "contentful", "linkedin", "asana", "notion", "ebay"],
];

/** The module (in signers/, without `.mjs`) that signs `name`. */
export const moduleOf = (name) => Object.keys(FAMILIES).find((family) => FAMILIES[family].includes(name)) ?? name;

/**
 * What `send` calls for `name`: `event(c)`, `handshake(c)` where the provider has one, and
 * `keyKind` where it signs with a private key (`--key`).
 */
export async function sender(name) {
  if (!PROVIDERS.includes(name)) throw new Error(`no signer for "${name}"`);
  const module = await import(new URL(`${moduleOf(name)}.mjs`, import.meta.url).href);
  return module.sender ? module.sender(name) : module;
}
