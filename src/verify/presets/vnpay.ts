/**
 * VNPAY (version 2.1.0): the IPN is a server-to-server GET whose `vnp_*` query parameters are
 * signed (the return URL carries the same set through the browser). `vnp_SecureHash` = hex
 * HMAC-SHA512(vnp_HashSecret, every `vnp_*` parameter but the hash fields, sorted by key,
 * `key=value` joined by `&`, each value re-encoded form-style). VNPAY's Node demo encodes
 * with `encodeURIComponent` (space as `+`) and its PHP demo with `urlencode`, which also
 * escapes `!'()*~`: both renderings are tried, since either is a signature by the secret.
 * No timestamp is signed for replay purposes (`vnp_PayDate` is the payment time): dedup on
 * `vnp_TransactionNo` catches replays. The route must allow GET (`limits.methods`); the
 * origin answers VNPAY (`{"RspCode":"00","Message":"Confirm Success"}`).
 * https://sandbox.vnpayment.vn/apis/docs/thanh-toan-pay/pay.html
 * https://sandbox.vnpayment.vn/apis/docs/chuyen-doi-thuat-toan/changeTypeHash.html
 */
import { hexToBytes, utf8 } from "../../lib/encoding";
import { importSecretKeys, verifySignature } from "../keys";
import { active } from "../secrets";
import { fail, pass, type Verifier } from "../types";
import { definePreset } from "./types";

const HASH = "vnp_securehash";
const HEX_SHA512 = /^[0-9a-fA-F]{128}$/;
export const MAX_VNPAY_PARAMS = 100;

const jsEncode = (v: string) => encodeURIComponent(v).replace(/%20/g, "+");
const phpEncode = (v: string) => jsEncode(v).replace(/[!'()*~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** The string VNPAY signs, with one value encoder; null when the query is not VNPAY's. */
export function vnpaySignedString(params: URLSearchParams, encode: (v: string) => string = jsEncode): string | null {
  const fields = [...params].filter(([k]) => k.startsWith("vnp_") && !["vnp_securehash", "vnp_securehashtype"].includes(k.toLowerCase()));
  if (fields.length === 0 || fields.length > MAX_VNPAY_PARAMS) return null;
  fields.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return fields.map(([k, v]) => `${k}=${encode(v)}`).join("&");
}

export const vnpay = definePreset({
  display: "VNPAY",
  sources: ["https://sandbox.vnpayment.vn/apis/docs/thanh-toan-pay/pay.html", "https://sandbox.vnpayment.vn/apis/docs/chuyen-doi-thuat-toan/changeTypeHash.html"],
  options: {},
  async build({ secrets }): Promise<Verifier> {
    const keys = await importSecretKeys(secrets, "hmac-sha512");
    return {
      scheme: "hmac:vnpay",
      needsBody: false,
      strip: { headers: [], query: [] },
      async verify({ url, now }) {
        const hash = [...url.searchParams].find(([k]) => k.toLowerCase() === HASH)?.[1];
        if (hash === undefined || hash === "") return fail("missing_signature");
        if (!HEX_SHA512.test(hash)) return fail("malformed_signature");
        const js = vnpaySignedString(url.searchParams);
        if (js === null) return fail("malformed_body");
        const valid = active(keys, now);
        if (valid.length === 0) return fail("no_active_secret");
        const signature = hexToBytes(hash)!;
        const php = vnpaySignedString(url.searchParams, phpEncode)!;
        const eventId = url.searchParams.get("vnp_TransactionNo") || undefined;
        for (const data of js === php ? [js] : [js, php]) {
          for (const key of valid) if (await verifySignature(key, signature, utf8(data))) return pass(eventId);
        }
        return fail("signature_mismatch");
      },
    };
  },
});
