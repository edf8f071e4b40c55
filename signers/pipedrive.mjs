// Pipedrive (src/verify/presets/credential-only.ts): HTTP Basic credentials, no signature.
import { basicEvent } from "./lib.mjs";
import { basicVector, rfc7617Vector } from "./vector.mjs";

export const event = basicEvent("pipedrive");
export const vectors = async () => [basicVector("pipedrive", "pd-user", "pd-password-0123", "https://pipedrive.readme.io/docs/guide-for-webhooks (http_auth_user / http_auth_password)"), rfc7617Vector("pipedrive", "https://pipedrive.readme.io/docs/guide-for-webhooks")];
