/**
 * Mailchimp Marketing: unsigned. The only secret is a token in the webhook URL
 * (`?auth=…`, or `tokenParam`), compared in constant time and stripped before forwarding.
 * Mailchimp's GET on save, which carries the same URL, is answered 200 at the edge once
 * the token matched. Bodies are form-encoded; no timestamp, no event id.
 * https://mailchimp.com/developer/marketing/guides/sync-audience-data-webhooks/
 */
import { acceptMethod, mailchimpValidation } from "../handshakes";
import { tokenVerifier } from "../token";
import { queryParamName } from "./options";
import { definePreset } from "./types";

export const DEFAULT_MAILCHIMP_TOKEN_PARAM = "auth";

export const mailchimp = definePreset({
  display: "Mailchimp Marketing",
  sources: ["https://mailchimp.com/developer/marketing/guides/sync-audience-data-webhooks/"],
  options: { tokenParam: { schema: queryParamName, doc: "the query parameter that carries the secret (default auth)" } },
  async build({ secrets, options: { tokenParam } }) {
    const verifier = await tokenVerifier({ in: "query", name: tokenParam ?? DEFAULT_MAILCHIMP_TOKEN_PARAM, secrets, scheme: "mailchimp" });
    return { ...verifier, handshake: acceptMethod("GET"), reply: mailchimpValidation };
  },
});
