// VNPAY IPN (src/verify/presets/vnpay.ts): a GET whose `vnp_*` parameters are signed: hex
// HMAC-SHA512(vnp_HashSecret, sorted `key=value&…`, values encoded as VNPAY's Node demo does,
// encodeURIComponent with `+` for spaces). VNPAY publishes no secret with a hash.
import { hmac } from "./lib.mjs";
import { HOST, vector } from "./vector.mjs";

const encode = (v) => encodeURIComponent(v).replace(/%20/g, "+");
export const signedString = (params) => Object.keys(params).sort().map((k) => `${k}=${encode(String(params[k]))}`).join("&");
/** The IPN URL: the parameters and their vnp_SecureHash. */
export const ipnUrl = (base, secret, params) => `${base}?${signedString(params)}&vnp_SecureHash=${hmac("sha512", secret, signedString(params), "hex")}`;

const sample = (c) => ({ vnp_Amount: 1000000, vnp_BankCode: "NCB", vnp_OrderInfo: "Thanh toan don hang 1001", vnp_PayDate: "20261203100000", vnp_ResponseCode: "00", vnp_TmnCode: "HOOKGATE", vnp_TransactionNo: c.eventId ?? String(c.now).slice(-8), vnp_TransactionStatus: "00", vnp_TxnRef: `1001-${c.now}` });

export function event(c) {
  return { method: "GET", url: ipnUrl(`${c.url.origin}${c.url.pathname}`, c.need("secret"), sample(c)), body: "", headers: {} };
}

export async function vectors() {
  const secret = "VNPAYPROVIDERVECTORSHASHSECRET01";
  const params = { vnp_Amount: 1000000, vnp_BankCode: "NCB", vnp_CardType: "ATM", vnp_OrderInfo: "Thanh toan don hang: 1001 (test)", vnp_PayDate: "20261203100000", vnp_ResponseCode: "00", vnp_TmnCode: "HOOKGATE", vnp_TransactionNo: "14422574", vnp_TransactionStatus: "00", vnp_TxnRef: "1001" };
  return [
    vector({
      name: "vnpay: IPN (GET)",
      provider: "vnpay",
      source: "https://sandbox.vnpayment.vn/apis/docs/thanh-toan-pay/pay.html (VNPAY's Node demo's encoding); no published vector",
      method: { secrets: [secret] },
      request: { method: "GET", url: ipnUrl(`${HOST}/vnpay`, secret, params) },
      eventId: "14422574",
    }),
  ];
}
