/** Provider presets by the name a route config uses (docs/providers.md describes each). */
import { adyen } from "./adyen";
import { asana } from "./asana";
import { chargebee, pipedrive, postmark, sepay, telegram } from "./credential-only";
import { casso } from "./casso";
import { contentful } from "./contentful";
import { discord } from "./discord";
import { fusionauth } from "./fusionauth";
import { momo } from "./momo";
import { monday } from "./monday";
import { netlify } from "./netlify";
import { notion } from "./notion";
import { paypal } from "./paypal";
import { plaid } from "./plaid";
import { vnpay } from "./vnpay";
import { vonage } from "./vonage";
import { zaloOa } from "./zalo-oa";
import { payos, zalopay } from "./vn-payments";
import { dropbox } from "./dropbox";
import { ebay } from "./ebay";
import { github } from "./github";
import { gitlab } from "./gitlab";
import { hmacFamily } from "./hmac-family";
import { hubspot } from "./hubspot";
import { intercom } from "./intercom";
import { linear } from "./linear";
import { linkedin } from "./linkedin";
import { mailchimp } from "./mailchimp";
import { mailgun } from "./mailgun";
import { mandrill } from "./mandrill";
import { meta } from "./meta";
import { msgraph } from "./msgraph";
import { okta } from "./okta";
import { paddle } from "./paddle";
import { sendgrid } from "./sendgrid";
import { shopify } from "./shopify";
import { slack } from "./slack";
import { sns } from "./sns";
import { square } from "./square";
import { gitlabSigning, standardFamily, standardWebhooks, svix } from "./standard-webhooks";
import { stripe } from "./stripe";
import { twilio } from "./twilio";
import { typeform } from "./typeform";
import type { Preset } from "./types";
import { x } from "./x";
import { xero } from "./xero";
import { zoom } from "./zoom";

const own = {
  stripe,
  github,
  gitlab,
  "gitlab-signing": gitlabSigning,
  shopify,
  slack,
  meta,
  discord,
  twilio,
  mailchimp,
  mandrill,
  "standard-webhooks": standardWebhooks,
  svix,
  sendgrid,
  square,
  paddle,
  linear,
  zoom,
  mailgun,
  intercom,
  hubspot,
  typeform,
  dropbox,
  sns,
  okta,
  xero,
  msgraph,
  x,
  postmark,
  pipedrive,
  chargebee,
  telegram,
  sepay,
  zalopay,
  payos,
  momo,
  vnpay,
  casso,
  "zalo-oa": zaloOa,
  netlify,
  vonage,
  plaid,
  fusionauth,
  paypal,
  monday,
  adyen,
  contentful,
  linkedin,
  asana,
  notion,
  ebay,
} as const satisfies Record<string, Preset>;

/** Every preset by name: the ones above, the Standard Webhooks senders (standard-family.json) and the data-only HMAC schemes (hmac-family.json). */
export const presets: Readonly<Record<string, Preset>> & typeof own = { ...own, ...standardFamily, ...hmacFamily };

export type PresetName = string;
export const PRESET_NAMES = Object.keys(presets) as PresetName[];

/** The options of a preset that hold credentials: sealed, opened, redacted and masked like secrets. */
export function secretOptions(provider: string): string[] {
  const preset = presets[provider];
  return preset ? Object.entries(preset.options).flatMap(([name, o]) => (o.secret ? [name] : [])) : [];
}

/** The index of the route's method whose preset captures its secret (Asana, Notion), or -1 (config/parse.ts allows one). */
export function captureMethodIndex(methods: readonly { readonly type: string; readonly provider?: unknown }[]): number {
  return methods.findIndex((m) => m.type === "provider" && typeof m.provider === "string" && presets[m.provider]?.capture !== undefined);
}
