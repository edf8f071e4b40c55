// Twilio (src/verify/presets/twilio.ts): `X-Twilio-Signature`, the base64 HMAC-SHA1 of the URL and
// then each form field's key and value sorted by key; a JSON body is signed through a
// `bodySHA256` in the URL instead. twilio-node signs the vectors (with its documented ones); ours
// must give the same.
import { randomUUID } from "node:crypto";
import { FORM, hex, hmac, json, JSON_TYPE, sha256Hex, signedUrl, sortedParams } from "./lib.mjs";
import { agree, anySecret, form, GATEWAY_TOKEN, HOST, once, vector } from "./vector.mjs";

/** The signature over `url` (as Twilio was given it), and the form `body` unless the body is JSON. */
export const signature = (token, url, body) => hmac("sha1", token, body === undefined ? url : url + sortedParams(body), "base64");

/** The URL a JSON body is sent to: its SHA-256 in the query, which the signature covers. */
function withBodyHash(url, body) {
  const out = new URL(url);
  out.searchParams.set("bodySHA256", sha256Hex(body));
  return out;
}

function request(c, body, isJson) {
  const url = isJson ? withBodyHash(c.url, body) : new URL(c.url);
  const target = signedUrl(url, c.publicUrl);
  return { url, body, headers: { "content-type": isJson ? JSON_TYPE : FORM, "x-twilio-signature": signature(c.need("secret"), target, isJson ? undefined : body), "i-twilio-idempotency-token": c.eventId ?? randomUUID() } };
}

export function event(c) {
  if (c.contentType?.includes("json")) return request(c, c.body ?? json({ EventType: "com.twilio.messaging.message.delivered", MessageSid: `SM${hex(16)}` }), true);
  const body = c.body ?? new URLSearchParams({ MessageSid: `SM${hex(16)}`, AccountSid: `AC${hex(16)}`, From: "+14158675310", To: "+14155550100", Body: "Hello from hookgate", NumMedia: "0" }).toString();
  return request(c, Buffer.from(body), false);
}

/** Form fields as the Twilio SDK wants them: repeated keys become arrays. */
function formParams(body) {
  const params = {};
  for (const [k, v] of new URLSearchParams(body)) {
    if (k in params) params[k] = [].concat(params[k], v);
    else params[k] = v;
  }
  return params;
}

const sdk = once(async () => (await import("twilio")).default);

export async function vectors() {
  const twilio = await sdk();
  const docs = "twilio-python tests/unit/test_request_validator.py (same vectors in twilio-php RequestValidatorTest)";
  // Documented vectors: token 12345, URL with a query.
  const token = "12345";
  const url = "https://mycompany.com/myapp.php?foo=1&bar=2";
  const callBody = form([
    ["CallSid", "CA1234567890ABCDE"],
    ["Caller", "+14158675309"],
    ["Digits", "1234"],
    ["From", "+14158675309"],
    ["To", "+18005551212"],
  ]);
  const repeatedBody = form([
    ["Sid", "CA123"],
    ["SidAccount", "AC123"],
    ["Digits", "5678"],
    ["Digits", "1234"],
    ["Digits", "1234"],
  ]);
  const jsonBody = '{"property": "value", "boolean": true}';
  const jsonUrl = agree("twilio: bodySHA256", withBodyHash(url, jsonBody).href, `${url}&bodySHA256=${twilio.getExpectedBodyHash(jsonBody)}`);
  // Ours and the SDK's, which must agree (and equal the documented value where there is one).
  const sign = (t, u, body) => agree("twilio", signature(t, u, body), twilio.getExpectedTwilioSignature(t, u, body === undefined ? null : formParams(body)));
  const formHeaders = { "content-type": "application/x-www-form-urlencoded", "i-twilio-idempotency-token": "a5f3e0b2-1c4d-4e6f-8a9b-0c1d2e3f4a5b" };
  const eventId = formHeaders["i-twilio-idempotency-token"];
  const out = [
    vector({
      name: "twilio: documented vector (form)",
      provider: "twilio",
      source: `documented vector: ${docs}; twilio-node 6 getExpectedTwilioSignature agrees`,
      method: { secrets: [token] },
      request: { url, headers: { ...formHeaders, "x-twilio-signature": agree("twilio: form", sign(token, url, callBody), "RSOYDt4T1cUTdK1PDd93/VVr8B8=") }, body: callBody },
      eventId,
    }),
    vector({
      name: "twilio: documented vector signed with :443",
      provider: "twilio",
      source: `documented vector: ${docs} (test_validation_adds_port_on_https); twilio-node 6 agrees`,
      method: { secrets: [token] },
      request: {
        url,
        headers: {
          ...formHeaders,
          "x-twilio-signature": agree("twilio: :443", sign(token, "https://mycompany.com:443/myapp.php?foo=1&bar=2", callBody), "kvajT1Ptam85bY51eRf/AJRuM3w="),
        },
        body: callBody,
      },
      eventId,
    }),
    vector({
      name: "twilio: documented vector (repeated params)",
      provider: "twilio",
      source: `documented vector: ${docs} (duplicate multi dict); twilio-node 6 agrees`,
      method: { secrets: [token] },
      request: {
        url,
        headers: { ...formHeaders, "x-twilio-signature": agree("twilio: repeated", sign(token, url, repeatedBody), "IK+Dwps556ElfBT0I3Rgjkr1wJU=") },
        body: repeatedBody,
      },
      eventId,
    }),
    vector({
      name: "twilio: documented vector (JSON, bodySHA256)",
      provider: "twilio",
      source: `documented vector: ${docs} (validation of body); twilio-node 6 validateRequestWithBody accepts`,
      method: { secrets: [token] },
      request: {
        url: jsonUrl,
        headers: {
          "content-type": "application/json",
          "i-twilio-idempotency-token": eventId,
          "x-twilio-signature": agree("twilio: bodySHA256", sign(token, jsonUrl), "a9nBmqA0ju/hNViExpshrM61xv4="),
        },
        body: jsonBody,
      },
      eventId,
    }),
  ];
  // Our own route: the provider was given the URL with the gateway's ?auth= token, so signed it.
  const ownToken = "twilio-auth-token-provider-vectors-0001";
  const smsUrl = `${HOST}/twilio?auth=${GATEWAY_TOKEN}`;
  const sms = form([
    ["ToCountry", "DE"],
    ["SmsMessageSid", "SM11111111111111111111111111111111"],
    ["NumMedia", "0"],
    ["From", "+4915112345678"],
    ["To", "+4930123456789"],
    ["Body", "Grüße & 100% +1"],
    ["AccountSid", "AC22222222222222222222222222222222"],
    ["MessageSid", "SM11111111111111111111111111111111"],
    ["ApiVersion", "2010-04-01"],
  ]);
  out.push(
    vector({
      name: "twilio: SMS to a URL with the gateway token (?auth=tk signed)",
      provider: "twilio",
      source: "twilio-node 6 getExpectedTwilioSignature (full URL incl. query)",
      method: { secrets: [ownToken] },
      request: { url: smsUrl, headers: { ...formHeaders, "x-twilio-signature": sign(ownToken, smsUrl, sms) }, body: sms },
      eventId,
    }),
  );
  return out;
}

export function oracle(v) {
  return {
    sdk: "twilio-node 6 validateRequest / validateRequestWithBody",
    verify: async () => {
      const twilio = await sdk();
      const url = signedUrl(v.request.url, v.method.publicUrl);
      const sig = v.request.headers["x-twilio-signature"];
      const body = v.request.body;
      return anySecret(v, (s) => (new URL(url).searchParams.has("bodySHA256") ? twilio.validateRequestWithBody(s, sig, url, body) : twilio.validateRequest(s, sig, url, formParams(body))));
    },
  };
}
