/**
 * HubSpot. v3 (the default): `X-HubSpot-Signature-v3: base64(HMAC-SHA256(client secret, method + URI +
 * body + timestamp))` with `X-HubSpot-Request-Timestamp` in ms; 300 s either way (the
 * library checks only age). The URI is the URL HubSpot called, with the escapes HubSpot
 * lists decoded. Bodies are batches: no single event id.
 *
 * v1 and v2, which older apps, workflow webhooks and CRM cards still receive, are not MACs:
 * `X-HubSpot-Signature: hex(SHA-256(client secret + body))` (v1) or of `secret + method +
 * URL + body` (v2, so GETs are covered too), named by `X-HubSpot-Signature-Version`. They
 * sign no timestamp, so a captured request replays until dedup sees it; a route takes them
 * only when it lists them in `signatureVersions`. The version header is unsigned, so each
 * version is tried only when the route allows it, and v3 is always judged by its own header.
 * https://developers.hubspot.com/docs/apps/legacy-apps/authentication/validating-requests
 */
import * as v from "valibot";
import { schemeVerifier, type SignatureScheme } from "../scheme";
import { fail, type Verifier } from "../types";
import { SIGNED_URL, TOLERANCE } from "./options";
import { tuned } from "./scheme-preset";
import { definePreset } from "./types";

/** HubSpot v3 signs the URI with these escapes decoded (its docs list exactly these). */
const HUBSPOT_DECODED: Record<string, string> = {
  "%3A": ":", "%2F": "/", "%3F": "?", "%40": "@", "%21": "!", "%24": "$",
  "%27": "'", "%28": "(", "%29": ")", "%2A": "*", "%2C": ",", "%3B": ";",
};

export const hubspotUri = (href: string): string => href.replace(/%(3A|2F|3F|40|21|24|27|28|29|2A|2C|3B)/gi, (m) => HUBSPOT_DECODED[m.toUpperCase()]!);

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

/** v1 and v2: a plain SHA-256 of the secret and the content, hex, in `X-HubSpot-Signature`. */
const legacyScheme = (version: "v1" | "v2"): SignatureScheme => ({
  name: `hubspot-${version}`,
  algorithm: "sha256-keyed",
  encoding: "hex",
  header: "x-hubspot-signature",
  format: { kind: "single", prefix: "" },
  payload: version === "v1" ? "{body}" : "{method}{url}{body}",
  keyEncoding: "utf8",
});

const VERSION_HEADER = "x-hubspot-signature-version";

export const hubspot = definePreset({
  display: "HubSpot",
  sources: [
    "https://developers.hubspot.com/docs/apps/legacy-apps/authentication/validating-requests",
    "https://github.com/HubSpot/hubspot-api-nodejs/blob/master/lib/src/utils/signature.ts",
  ],
  options: {
    toleranceSeconds: TOLERANCE,
    ...SIGNED_URL,
    signatureVersions: {
      schema: v.pipe(v.array(v.picklist(["v1", "v2", "v3"], 'must be "v1", "v2" or "v3"')), v.minLength(1), v.maxLength(3)),
      doc: 'the signature versions this route accepts (default ["v3"]; v1/v2 sign no timestamp)',
    },
  },
  async build(input): Promise<Verifier> {
    const versions = new Set(input.options.signatureVersions ?? ["v3"]);
    const v3 = versions.has("v3") ? await schemeVerifier(tuned(hubspotScheme, input), input.secrets) : undefined;
    const legacy = new Map<string, Verifier>();
    for (const version of ["v1", "v2"] as const) {
      if (versions.has(version)) legacy.set(version, await schemeVerifier(tuned(legacyScheme(version), input), input.secrets));
    }
    const all = [...(v3 ? [v3] : []), ...legacy.values()];
    return {
      ...all[0]!,
      scheme: "hmac:hubspot",
      signatureHeaders: [...new Set(all.flatMap((x) => x.signatureHeaders ?? []))],
      async verify(request) {
        if (request.headers.has("x-hubspot-signature-v3")) return v3 ? v3.verify(request) : fail("missing_signature");
        const version = request.headers.get(VERSION_HEADER)?.trim().toLowerCase();
        const chosen = version === undefined ? undefined : legacy.get(version);
        return chosen ? chosen.verify(request) : fail("missing_signature");
      },
    };
  },
});
