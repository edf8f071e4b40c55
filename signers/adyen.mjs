// Adyen standard webhooks (src/verify/presets/adyen.ts): every notification item carries
// `additionalData.hmacSignature`, base64 HMAC-SHA256 (the hex-decoded HMAC key) of
// `pspReference:originalReference:merchantAccountCode:merchantReference:value:currency:eventCode:success`.
// @adyen/api-library's HmacValidator.calculateHmac signs the vectors (ours must give the same),
// and its validateHMAC checks every item of each vector. Node built-ins only at the top.
import { hex, hmac, json, JSON_TYPE } from "./lib.mjs";
import { agree, anySecret, attempt, HOST, iso, NOW_MS, once, vector } from "./vector.mjs";

/** What Adyen signs for one NotificationRequestItem: a missing field is an empty string. */
export const signedString = (item) =>
  [item.pspReference, item.originalReference, item.merchantAccountCode, item.merchantReference, item.amount?.value, item.amount?.currency, item.eventCode, item.success].map((v) => (v === undefined || v === null ? "" : String(v))).join(":");

export const signature = (hexKey, item) => hmac("sha256", Buffer.from(hexKey, "hex"), signedString(item), "base64");

/** The item with its signature added to its additionalData, where Adyen puts it. */
export const signed = (hexKey, item, sign = signature) => ({ ...item, additionalData: { ...item.additionalData, hmacSignature: sign(hexKey, item) } });

/** A notification body: Adyen's envelope around the items. */
export const notification = (items) => json({ live: "false", notificationItems: items.map((i) => ({ NotificationRequestItem: i })) });

/** Node's hex decoding stops at the first bad digit: a key that is not hex would sign with a truncated one. */
function hexKey(secret) {
  if (!/^(?:[0-9a-fA-F]{2})+$/.test(secret)) throw new Error("--secret for adyen must be hex (the HMAC key as the Customer Area shows it)");
  return secret;
}

/** `--data`/`--body`: a notification of yours, each item (re)signed. */
function resign(key, body) {
  let parsed;
  try {
    parsed = JSON.parse(body.toString("utf8"));
  } catch {
    throw new Error("--data/--body for adyen must be a JSON notification ({\"notificationItems\": [{\"NotificationRequestItem\": {…}}]})");
  }
  if (!Array.isArray(parsed?.notificationItems)) throw new Error("--data/--body for adyen needs a notificationItems array");
  const items = parsed.notificationItems.map((w) => ({ ...w, NotificationRequestItem: signed(key, w?.NotificationRequestItem ?? {}) }));
  return json({ ...parsed, notificationItems: items });
}

/** A 16-character PSP reference, as Adyen's look. */
const pspReference = () => hex(8).toUpperCase();

export function event(c) {
  const key = hexKey(c.need("secret"));
  const headers = { "content-type": JSON_TYPE };
  if (c.body) return { body: resign(key, c.body), headers };
  const item = {
    additionalData: { authCode: String(100000 + (c.now % 900000)), cardSummary: "1111", expiryDate: "03/2030" },
    amount: { currency: "EUR", value: 1130 },
    eventCode: "AUTHORISATION",
    eventDate: iso(c.now),
    merchantAccountCode: "HookgateDemoECOM",
    merchantReference: `order-${hex(4)}`,
    operations: ["CANCEL", "CAPTURE", "REFUND"],
    paymentMethod: "visa",
    pspReference: c.eventId ?? pspReference(),
    success: "true",
  };
  return { body: notification([signed(key, item)]), headers };
}

const sdk = once(async () => new (await import("@adyen/api-library")).hmacValidator());

const SOURCE = "@adyen/api-library 32 hmacValidator.calculateHmac per https://docs.adyen.com/development-resources/webhooks/secure-webhooks/verify-hmac-signatures";

export async function vectors() {
  const validator = await sdk();
  // 32-byte keys in upper-case hex, as the Customer Area shows them.
  const key = "44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056";
  const newKey = "9A1C3E5F7092B4D6F8183A5C7E90B2D4F6183A5C7E90B2D4F6183A5C7E90B2D4";
  const sign = (k, item) => agree("adyen", signature(k, item), validator.calculateHmac(item, k));
  const at = iso(NOW_MS).replace(".000Z", "+00:00");
  const authorisation = {
    additionalData: { authCode: "058361", cardSummary: "1111", expiryDate: "03/2030", "recurring.recurringDetailReference": "M5N7TQ4TG5PFWR50" },
    amount: { currency: "EUR", value: 1130 },
    eventCode: "AUTHORISATION",
    eventDate: at,
    merchantAccountCode: "HookgateVectorsECOM",
    merchantReference: "order-2026-0042",
    operations: ["CANCEL", "CAPTURE", "REFUND"],
    paymentMethod: "visa",
    pspReference: "QFQTPCQ8HXSKGK82",
    reason: "058361:1111:03/2030",
    success: "true",
  };
  // A refund names the payment it refunds (originalReference); the merchant reference is free text, `:` included.
  const refund = {
    additionalData: {},
    amount: { currency: "USD", value: 2500 },
    eventCode: "REFUND",
    eventDate: at,
    merchantAccountCode: "HookgateVectorsECOM",
    merchantReference: "refund:order-2026-0042",
    originalReference: "QFQTPCQ8HXSKGK82",
    paymentMethod: "mc",
    pspReference: "V4HZ4RBFJGXXGN82",
    success: "false",
    reason: "Insufficient balance on payment",
  };
  const capture = {
    additionalData: {},
    amount: { currency: "EUR", value: 1130 },
    eventCode: "CAPTURE",
    eventDate: at,
    merchantAccountCode: "HookgateVectorsECOM",
    merchantReference: "order-2026-0042",
    originalReference: "QFQTPCQ8HXSKGK82",
    paymentMethod: "visa",
    pspReference: "PPKFQ89R6QRXGN82",
    success: "true",
  };
  const request = (items) => ({ url: `${HOST}/adyen`, headers: { "content-type": JSON_TYPE }, body: notification(items) });
  return [
    vector({
      name: "adyen: AUTHORISATION",
      provider: "adyen",
      source: SOURCE,
      method: { secrets: [key] },
      request: request([signed(key, authorisation, sign)]),
      eventId: "QFQTPCQ8HXSKGK82:AUTHORISATION:true",
    }),
    // Rotation: Adyen signs with the new key once saved; the route still lists the old one first.
    vector({
      name: "adyen: REFUND with originalReference, signed by the second key (rotation)",
      provider: "adyen",
      source: SOURCE,
      method: { secrets: [key, newKey] },
      request: request([signed(newKey, refund, sign)]),
      eventId: "V4HZ4RBFJGXXGN82:REFUND:false",
    }),
    // SOAP-sized batch (JSON webhooks carry one item): every item must verify, each under any of the route's keys.
    vector({
      name: "adyen: two items, each under another of the route's keys",
      provider: "adyen",
      source: SOURCE,
      method: { secrets: [key, newKey] },
      request: request([signed(key, authorisation, sign), signed(newKey, capture, sign)]),
      eventId: "QFQTPCQ8HXSKGK82:AUTHORISATION:true PPKFQ89R6QRXGN82:CAPTURE:true",
    }),
  ];
}

/** Every item must pass validateHMAC (which throws on a missing signature) under one of the route's keys. */
export function oracle(v) {
  return {
    sdk: "@adyen/api-library 32 hmacValidator.validateHMAC (every item)",
    verify: async () => {
      const validator = await sdk();
      let items;
      try {
        items = JSON.parse(v.request.body).notificationItems;
      } catch {
        return false;
      }
      if (!Array.isArray(items) || items.length === 0) return false;
      for (const w of items) if (!(await anySecret(v, (s) => attempt(() => validator.validateHMAC(w.NotificationRequestItem, s))))) return false;
      return true;
    },
  };
}
