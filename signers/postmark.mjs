// Postmark (src/verify/presets/credential-only.ts): HTTP Basic credentials, no signature.
import { basicEvent } from "./lib.mjs";
import { basicVector, rfc7617Vector } from "./vector.mjs";

export const event = basicEvent("postmark");
export const vectors = async () => [basicVector("postmark", "postmark-hooks", "pm:pass:with:colons!!", "https://postmarkapp.com/developer/webhooks/webhooks-overview (basic HTTP authentication: https://<username>:<password>@example.com/webhook)"), rfc7617Vector("postmark", "https://postmarkapp.com/developer/webhooks/webhooks-overview")];
