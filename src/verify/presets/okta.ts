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
import type { Preset } from "./types";

export const DEFAULT_OKTA_HEADER = "authorization";

export const okta: Preset = {
  options: ["tokenHeader"],
  async build({ secrets, tokenHeader }) {
    const verifier = await tokenVerifier({ in: "header", name: tokenHeader ?? DEFAULT_OKTA_HEADER, secrets, scheme: "okta" });
    return { ...verifier, handshake: oktaVerification };
  },
};
