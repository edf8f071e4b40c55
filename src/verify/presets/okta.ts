/**
 * Okta event hooks: authenticated by a shared secret in a header of your choosing
 * (`Authorization` by default, `tokenHeader` otherwise), compared in constant time and not
 * forwarded. The one-time verification `GET` with `x-okta-verification-challenge` is
 * answered `{"verification": …}` at the edge. No signature over the body, no timestamp, and
 * no single event id (a delivery is a batch of events).
 * https://developer.okta.com/docs/concepts/event-hooks/
 */
import { oktaVerification } from "../handshakes";
import { tokenVerifier } from "../token";
import { headerName } from "./options";
import { definePreset } from "./types";

export const DEFAULT_OKTA_HEADER = "authorization";

export const okta = definePreset({
  display: "Okta event hooks",
  sources: ["https://developer.okta.com/docs/concepts/event-hooks/"],
  options: { tokenHeader: { schema: headerName, doc: "the header that carries the secret (default Authorization)" } },
  async build({ secrets, options: { tokenHeader } }) {
    const verifier = await tokenVerifier({ in: "header", name: tokenHeader ?? DEFAULT_OKTA_HEADER, secrets, scheme: "okta" });
    return { ...verifier, handshake: oktaVerification };
  },
});
