// Chargebee (src/verify/presets/credential-only.ts): HTTP Basic credentials, no signature.
import { basicEvent } from "./lib.mjs";
import { basicVector, rfc7617Vector } from "./vector.mjs";

export const event = basicEvent("chargebee");
export const vectors = async () => [basicVector("chargebee", "cb-user", "cb-password-0123", "https://www.chargebee.com/docs/billing/2.0/site-configuration/webhook_settings (basic authentication for webhooks)"), rfc7617Vector("chargebee", "https://www.chargebee.com/docs/billing/2.0/site-configuration/webhook_settings")];
