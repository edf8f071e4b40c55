/**
 * Mailchimp Transactional (Mandrill): `X-Mandrill-Signature: base64(HMAC-SHA1(webhook key,
 * webhook URL exactly as configured + sorted POST params))`; `publicUrl` names that URL
 * when the edge sees another. The HEAD check on setup is answered 200. If that check
 * fails, Mandrill posts an empty batch signed with its public key `test-webhook`: anyone
 * can sign that, so it is answered 200 at the edge and goes no further (never marked
 * verified, forwarded, counted, deduplicated or queued). No timestamp; batches carry no
 * single event id.
 * https://mailchimp.com/developer/transactional/guides/track-respond-activity-webhooks/#authenticating-webhook-requests
 */
import { parseForm } from "../form";
import { headCheck } from "../handshakes";
import { schemeVerifier, type SignatureScheme } from "../scheme";
import type { Verifier } from "../types";
import { tuned } from "./scheme-preset";
import { SIGNED_URL } from "./options";
import { definePreset } from "./types";

export const mandrillScheme: SignatureScheme = {
  name: "mandrill",
  algorithm: "hmac-sha1",
  encoding: "base64",
  header: "x-mandrill-signature",
  format: { kind: "single", prefix: "" },
  payload: "{url}{params}",
  keyEncoding: "utf8",
};

/** Mandrill's documented, public key for its test batch. */
export const MANDRILL_TEST_KEY = "test-webhook";

function isEmptyBatch(body: Uint8Array): boolean {
  const fields = parseForm(new TextDecoder().decode(body));
  return fields !== null && fields.length === 1 && fields[0]![0] === "mandrill_events" && fields[0]![1].trim() === "[]";
}

export const mandrill = definePreset({
  display: "Mailchimp Transactional (Mandrill)",
  sources: ["https://mailchimp.com/developer/transactional/guides/track-respond-activity-webhooks/#authenticating-webhook-requests"],
  options: SIGNED_URL,
  async build(input): Promise<Verifier> {
    const scheme = tuned(mandrillScheme, input);
    const verifier = await schemeVerifier(scheme, input.secrets);
    const testBatch = await schemeVerifier(scheme, [{ value: MANDRILL_TEST_KEY }]);
    return {
      ...verifier,
      handshake: headCheck,
      async testRequest(request) {
        if (!isEmptyBatch(request.body) || !(await testBatch.verify(request)).ok) return null;
        return new Response("ok", { status: 200, headers: { "content-type": "text/plain" } });
      },
    };
  },
});
