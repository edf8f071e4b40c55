/**
 * Adyen standard webhooks (notifications): the signature travels in the JSON body, one per
 * item, `notificationItems[].NotificationRequestItem.additionalData.hmacSignature`: base64
 * HMAC-SHA256, keyed with the hex-decoded HMAC key of the webhook, over
 * `pspReference:originalReference:merchantAccountCode:merchantReference:value:currency:eventCode:success`
 * (`value` and `currency` from `amount`; a missing field is an empty string), as
 * @adyen/api-library's `HmacValidator.getDataToSign`/`calculateHmac` build it.
 * https://docs.adyen.com/development-resources/webhooks/secure-webhooks/verify-hmac-signatures
 *
 * What we decided:
 * - A body passes only if EVERY item carries a valid signature, each under any of the route's
 *   keys (Adyen signs when it builds the payload, so during a rotation a queued item may still
 *   carry the old key's signature). One unsigned or wrongly signed item refuses the body: the
 *   origin could not tell which item to trust.
 * - The signature covers those eight fields only, not the body: `eventDate`, `reason`,
 *   `paymentMethod`, `operations`, `live` and the rest of `additionalData` can be changed by
 *   whoever holds one delivery. The origin must take only the eight signed fields as authentic.
 *   Nothing time-bound is signed either: replays are caught by dedup only (keep it on).
 * - The signed string has no escaping, so a `:` inside a field could move the field boundaries
 *   under the same signature (`merchantAccountCode` "A:B" + reference "C" signs as "A" + "B:C").
 *   Only `merchantReference` (your free text) may hold a `:`: any other field with one is
 *   refused, which makes the split of the signed string into fields unique. Strings, as Adyen
 *   sends them (`success` may also be a JSON boolean); `amount.value` an integer (Adyen's
 *   int64 minor units; beyond 2^53 a JSON number cannot be rendered exactly: refused).
 *   `pspReference` and `eventCode` must be there: they identify the event.
 * - Event id: each item's `pspReference:eventCode:success`, joined by a space when there are
 *   several (a JSON webhook holds exactly one item, Adyen's webhook-types page says; SOAP ones
 *   up to six). All signed; a retry repeats them, so it is a duplicate; `success` is in it so
 *   that a changed outcome for the same payment and event is never taken for a retry.
 * - At most MAX_ADYEN_ITEMS items (JSON webhooks hold one): more is refused before any HMAC.
 * - Failures: not JSON, not an object, no `notificationItems` array, an item not of the
 *   documented shape: malformed_body; an empty array or an item without `hmacSignature`:
 *   missing_signature; one that is not base64 of 32 bytes: malformed_signature; else
 *   signature_mismatch. A key that is not hex is refused when the route is saved.
 * - Adyen's optional HTTP Basic credentials are a separate `basic` method on the same route;
 *   Adyen's platform webhooks (an `HmacSignature` header over the raw body) are the
 *   `adyen-platform` preset (hmac-family.json). Adyen accepts a webhook on any 2xx status
 *   (the `[accepted]` body is no longer required) and retries for up to 30 days.
 */
import { base64ToBytes, utf8 } from "../../lib/encoding";
import { parseJson } from "../../lib/json-field";
import { importSecretKeys, verifySignature } from "../keys";
import { active } from "../secrets";
import { fail, pass, type Verifier, type VerifyFailure } from "../types";
import { definePreset } from "./types";

export const MAX_ADYEN_ITEMS = 100;

/** Adyen retries a failed webhook from its queue for up to 30 days. */
export const ADYEN_RETRY_HOURS = 30 * 24;

export interface SignedItem {
  /** The string Adyen signs. */
  readonly data: string;
  readonly signature: Uint8Array;
  readonly eventId: string;
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);
const own = (o: Record<string, unknown>, key: string): unknown => (Object.hasOwn(o, key) ? o[key] : undefined);

/** A signed text field: absent or null is "", a string as is (no `:` unless `colon`), anything else undefined (refused). */
function text(o: Record<string, unknown>, key: string, colon = false): string | undefined {
  const v = own(o, key);
  if (v === undefined || v === null) return "";
  return typeof v === "string" && (colon || !v.includes(":")) ? v : undefined;
}

/** One item's signed string, signature and id, or why it cannot be verified. */
function readItem(wrapper: unknown): SignedItem | VerifyFailure {
  if (!isObject(wrapper)) return "malformed_body";
  const item = own(wrapper, "NotificationRequestItem");
  if (!isObject(item)) return "malformed_body";
  const amount = own(item, "amount") ?? null;
  if (amount !== null && !isObject(amount)) return "malformed_body";
  const rawValue = amount === null ? null : (own(amount, "value") ?? null);
  if (rawValue !== null && !(typeof rawValue === "number" && Number.isSafeInteger(rawValue))) return "malformed_body";
  const rawSuccess = own(item, "success");
  const success = typeof rawSuccess === "boolean" ? String(rawSuccess) : text(item, "success");
  const fields = [
    text(item, "pspReference"),
    text(item, "originalReference"),
    text(item, "merchantAccountCode"),
    text(item, "merchantReference", true),
    rawValue === null ? "" : String(rawValue),
    amount === null ? "" : text(amount, "currency"),
    text(item, "eventCode"),
    success,
  ];
  if (fields.some((f) => f === undefined) || fields[0] === "" || fields[6] === "") return "malformed_body";
  const additionalData = own(item, "additionalData") ?? null;
  if (additionalData !== null && !isObject(additionalData)) return "malformed_body";
  const given = additionalData === null ? undefined : own(additionalData, "hmacSignature");
  if (given === undefined || given === null || given === "") return "missing_signature";
  if (typeof given !== "string") return "malformed_signature";
  const signature = base64ToBytes(given);
  if (!signature || signature.length !== 32) return "malformed_signature";
  return { data: fields.join(":"), signature, eventId: `${fields[0]}:${fields[6]}:${fields[7]}` };
}

/**
 * Every item of a parsed body, or the first reason it cannot be verified (untrusted input:
 * never throws). Checks shape and encoding only; the HMACs are the verifier's.
 */
export function readNotification(body: unknown): SignedItem[] | VerifyFailure {
  if (!isObject(body)) return "malformed_body";
  const items = own(body, "notificationItems");
  if (!Array.isArray(items)) return "malformed_body";
  if (items.length === 0) return "missing_signature";
  if (items.length > MAX_ADYEN_ITEMS) return "malformed_body";
  const out: SignedItem[] = [];
  for (const wrapper of items) {
    const item = readItem(wrapper);
    if (typeof item === "string") return item;
    out.push(item);
  }
  return out;
}

export const adyen = definePreset({
  display: "Adyen (standard webhooks)",
  sources: [
    "https://docs.adyen.com/development-resources/webhooks/secure-webhooks/verify-hmac-signatures",
    "https://docs.adyen.com/development-resources/webhooks/webhook-types",
    "https://docs.adyen.com/development-resources/webhooks/troubleshoot",
    "https://github.com/Adyen/adyen-node-api-library/blob/main/src/utils/hmacValidator.ts",
  ],
  options: {},
  retryHours: ADYEN_RETRY_HOURS,
  async build({ secrets }): Promise<Verifier> {
    const keys = await importSecretKeys(secrets, "hmac-sha256", "hex");
    return {
      scheme: "hmac:adyen",
      needsBody: true,
      strip: { headers: [], query: [] },
      async verify({ body, now }) {
        const items = readNotification(parseJson(body));
        if (typeof items === "string") return fail(items);
        const valid = active(keys, now);
        if (valid.length === 0) return fail("no_active_secret");
        for (const item of items) {
          const data = utf8(item.data);
          let signed = false;
          for (const key of valid) if ((signed = await verifySignature(key, item.signature, data))) break;
          if (!signed) return fail("signature_mismatch");
        }
        return pass(items.map((i) => i.eventId).join(" "));
      },
    };
  },
});
