/**
 * HubSpot v3: `X-HubSpot-Signature-v3: base64(HMAC-SHA256(client secret, method + URI +
 * body + timestamp))` with `X-HubSpot-Request-Timestamp` in ms; 300 s either way (the
 * library checks only age). The URI is the URL HubSpot called, with the escapes HubSpot
 * lists decoded. Bodies are batches: no single event id.
 * https://developers.hubspot.com/docs/apps/legacy-apps/authentication/validating-requests
 */
import type { SignatureScheme } from "../scheme";
import { hubspotUri } from "../signed-url";
import { schemePreset } from "./scheme-preset";

export const hubspotScheme: SignatureScheme = {
  name: "hubspot",
  algorithm: "hmac-sha256",
  encoding: "base64",
  header: "x-hubspot-signature-v3",
  format: { kind: "single", prefix: "" },
  payload: "{method}{url}{body}{timestamp}",
  timestamp: { header: "x-hubspot-request-timestamp", unit: "ms", toleranceSeconds: 300 },
  keyEncoding: "utf8",
  url: { transform: hubspotUri },
};

export const hubspot = schemePreset(hubspotScheme);
