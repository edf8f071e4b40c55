// payOS (src/verify/presets/vn-payments.ts): the signature is in the body, the hex HMAC-SHA256 of
// `data`'s fields as sorted `key=value&…` with the checksum key. Its documented vector must
// reproduce, and @payos/node must accept it.
import { hex, hmac, json, JSON_TYPE } from "./lib.mjs";
import { agree, anySecret, atClock, attempt, HOST, once, vector } from "./vector.mjs";

export const signature = (key, data) => hmac("sha256", key, Object.keys(data).sort().map((k) => `${k}=${data[k]}`).join("&"), "hex");
/** The webhook body around `data`, with its signature. */
const webhook = (key, data) => json({ code: "00", desc: "success", success: true, data, signature: signature(key, data) });

export function event(c) {
  const data = { orderCode: Number(String(c.now).slice(-6)), amount: 3000, description: "hookgate test", reference: c.eventId ?? `FT${hex(6)}`, transactionDateTime: new Date(c.now).toISOString().slice(0, 19).replace("T", " "), currency: "VND", code: "00", desc: "success" };
  return { body: c.body ?? webhook(c.need("secret"), data), headers: { "content-type": JSON_TYPE } };
}

export async function vectors() {
  const data = { orderCode: 123, amount: 3000, description: "VQRIO123", accountNumber: "12345678", reference: "TF230204212323", transactionDateTime: "2023-02-04 18:25:00", currency: "VND", paymentLinkId: "124c33293c43417ab7879e14c8d9eb18", code: "00", desc: "Thành công", counterAccountBankId: "", counterAccountBankName: "", counterAccountName: "", counterAccountNumber: "", virtualAccountName: "", virtualAccountNumber: "" };
  const key = "1a54716c8f0efb2744fb28b6e38b25da7f67a925d98bc1c18bd8faaecadd7675";
  agree("payos: documented vector", signature(key, data), "412e915d2871504ed31be63c8f62a149a4410d34c4c42affc9006ef9917eaa03");
  return [
    vector({
      name: "payos: documented vector",
      provider: "payos",
      source: "documented vector: https://payos.vn/docs/tich-hop-webhook/kiem-tra-du-lieu-voi-signature/",
      method: { secrets: [key] },
      request: { url: `${HOST}/payos`, headers: { "content-type": "application/json" }, body: webhook(key, data) },
      eventId: "TF230204212323",
    }),
  ];
}

const sdk = once(async () => (await import("@payos/node")).PayOS);

export function oracle(v) {
  return {
    sdk: "@payos/node 2 webhooks.verify",
    verify: async () => {
      const PayOS = await sdk();
      const check = async (s) => (await new PayOS({ clientId: "provider-vectors", apiKey: "provider-vectors", checksumKey: s }).webhooks.verify(JSON.parse(v.request.body)), true);
      return atClock(v.now, () => anySecret(v, (s) => attempt(() => check(s))));
    },
  };
}
