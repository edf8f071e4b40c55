// HubSpot v3 (src/verify/presets/hubspot.ts): `X-HubSpot-Signature-v3`, the base64 HMAC-SHA256 of
// method + URI + body + timestamp (ms), the URI with the escapes its docs list decoded.
// @hubspot/api-client signs the vectors; ours must give the same.
import { concat, hmac, json, JSON_TYPE, sha256Hex, signedUrl } from "./lib.mjs";
import { agree, anySecret, atClock, attempt, GATEWAY_TOKEN, HOST, NOW_MS, once, vector } from "./vector.mjs";

/** The URI as HubSpot signs it: these escapes decoded (its docs list exactly these). */
const signedUri = (href) => href.replace(/%(3A|2F|3F|40|21|24|27|28|29|2A|2C|3B)/gi, (m) => decodeURIComponent(m));

/** v1 and v2 (routes with `signatureVersions`): hex SHA-256 of secret + body, or secret + method + URL + body. */
export const legacySignature = (version, secret, method, url, body) => sha256Hex(version === "v1" ? concat(secret, body) : concat(secret, method, url, body));

export const signature = (secret, method, url, body, timestamp) => hmac("sha256", secret, concat(`${method}${signedUri(url)}`, body, timestamp), "base64");

export function event(c) {
  const body = c.body ?? json([{ eventId: Number(BigInt(c.now) % 1000000n), subscriptionType: "contact.creation", portalId: 62515, occurredAt: c.now, objectId: 123, attemptNumber: 0 }]);
  const ts = String(c.now);
  return { body, headers: { "content-type": JSON_TYPE, "x-hubspot-signature-v3": signature(c.need("secret"), "POST", signedUrl(c.url, c.publicUrl), body, ts), "x-hubspot-request-timestamp": ts } };
}

const sdk = once(() => import("@hubspot/api-client"));

export async function vectors() {
  const { Signature } = await sdk();
  const source =
    "@hubspot/api-client 14 Signature.getSignature v3; URI per https://developers.hubspot.com/docs/apps/legacy-apps/authentication/validating-requests";
  const secret = "yyyyyyyy-yyyy-yyyy-yyyy-provider-vectors";
  const body = json([
    {
      eventId: 100,
      subscriptionId: 12345,
      portalId: 62515,
      appId: 54321,
      occurredAt: NOW_MS - 1000,
      subscriptionType: "contact.creation",
      attemptNumber: 0,
      objectId: 123,
      changeSource: "CRM",
      changeFlag: "NEW",
    },
  ]);
  // The SDK signs the URI it is given: given ours decoded, it must agree with our signer given the URL as sent.
  const sign = (url) => agree("hubspot", signature(secret, "POST", url, body, NOW_MS), Signature.getSignature("POST", "v3", { clientSecret: secret, requestBody: body, url: signedUri(url), timestamp: NOW_MS }));
  const headers = (url) => ({ "content-type": "application/json", "x-hubspot-request-timestamp": String(NOW_MS), "x-hubspot-signature-v3": sign(url) });
  const plain = `${HOST}/hubspot?auth=${GATEWAY_TOKEN}`;
  const escaped = `${HOST}/hubspot?auth=${GATEWAY_TOKEN}&return=https%3A%2F%2Fapp.example.com%2Fdone%3Fx%3D1`;
  agree("hubspot: the signed URI", signedUri(escaped), `${HOST}/hubspot?auth=${GATEWAY_TOKEN}&return=https://app.example.com/done?x%3D1`);
  const legacy = (version) => {
    const sig = agree(`hubspot ${version}`, legacySignature(version, secret, "POST", plain, body), Signature.getSignature("POST", version, { clientSecret: secret, requestBody: body, url: plain }));
    return vector({
      name: `hubspot: ${version} (signatureVersions)`,
      provider: "hubspot",
      source: `@hubspot/api-client 14 Signature.getSignature ${version}`,
      method: { secrets: [secret], signatureVersions: ["v1", "v2", "v3"] },
      request: { url: plain, headers: { "content-type": "application/json", "x-hubspot-signature": sig, "x-hubspot-signature-version": version }, body },
    });
  };
  return [
    ...[
      ["hubspot: v3 with the gateway token in the URL", plain],
      ["hubspot: v3 with escapes decoded in the signed URI", escaped],
    ].map(([name, url]) => vector({ name, provider: "hubspot", source, method: { secrets: [secret] }, request: { url, headers: headers(url), body } })),
    legacy("v1"),
    legacy("v2"),
  ];
}

export function oracle(v) {
  const h = v.request.headers;
  const version = h["x-hubspot-signature-version"];
  if (version) {
    return {
      sdk: `@hubspot/api-client 14 Signature.isValid ${version}`,
      verify: async () => {
        const { Signature } = await sdk();
        const url = signedUrl(v.request.url, v.method.publicUrl);
        return anySecret(v, (s) => attempt(() => Signature.isValid({ signatureVersion: version, method: v.request.method, url, requestBody: v.request.body, clientSecret: s, signature: h["x-hubspot-signature"] })));
      },
    };
  }
  return {
    sdk: "@hubspot/api-client 14 Signature.isValid v3",
    verify: async () => {
      const { Signature } = await sdk();
      // The SDK is given the URI as HubSpot signs it: the documented escapes decoded.
      const url = signedUri(signedUrl(v.request.url, v.method.publicUrl));
      const timestamp = Number(h["x-hubspot-request-timestamp"]);
      const check = (s) => Signature.isValid({ signatureVersion: "v3", method: v.request.method, url, requestBody: v.request.body, timestamp, clientSecret: s, signature: h["x-hubspot-signature-v3"] });
      return atClock(v.now, () => anySecret(v, (s) => attempt(() => check(s))));
    },
  };
}
