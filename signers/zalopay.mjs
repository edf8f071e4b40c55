// ZaloPay callbacks (src/verify/presets/vn-payments.ts): the signature is in the body, `mac` the hex
// HMAC-SHA256 of the `data` string with key2. Its documented vector (the docs' sample data; the
// public sandbox key2 of app 2553 reproduces the docs' mac) must reproduce.
import { hex, hmac, json, JSON_TYPE } from "./lib.mjs";
import { agree, HOST, NOW_MS, vector } from "./vector.mjs";

export const signature = (key, data) => hmac("sha256", key, data, "hex");
/** The callback body: `data` (a JSON string) and its mac. */
const callback = (key, data) => json({ data, mac: signature(key, data), type: 1 });

export function event(c) {
  const data = json({ app_id: 2553, app_trans_id: c.eventId ?? `${new Date(c.now).toISOString().slice(2, 10).replace(/-/g, "")}_2553_${hex(6)}`, amount: 50000, server_time: c.now, zp_trans_id: Number(String(c.now).slice(-12)) });
  return { body: c.body ?? callback(c.need("secret"), data), headers: { "content-type": JSON_TYPE } };
}

export async function vectors() {
  const docData = JSON.stringify({ app_id: 2553, app_trans_id: "200904_2553_1598435687208", app_time: 1599189392817, app_user: "demo", amount: 10000, embed_data: '{"merchantinfo":"embeddata123","promotioninfo":""}', item: '[{"itemid":"knb","itemname":"kim nguyen bao","itemprice":198400,"itemquantity":1}]', zp_trans_id: 200904000000389, server_time: 1599189413498, channel: 38, merchant_user_id: "7ZMSl3nEg5sOUJzOLSoUFT8xKNQVaLOLXHB--8Eytqc", user_fee_amount: 0, discount_amount: 0 });
  const docKey = "kLtgPl8HHhfvMuDHPwKfgfsY4Ydm9eIz";
  agree("zalopay: documented vector", signature(docKey, docData), "d8d33baf449b31d7f9b94fa50d7c942c08cd4d83f28fa185557da21acb104f67");
  const ownData = json({ app_id: 2553, app_trans_id: "261203_2553_vectors0001", amount: 50000, server_time: NOW_MS, zp_trans_id: 261203000000001 });
  const ownKey = "zalopay-provider-vectors-key2-0123";
  return [
    vector({
      name: "zalopay: documented vector",
      provider: "zalopay",
      source: "documented vector: https://docs.zalopay.vn/docs/specs/callback-api (the docs' data sample and mac; the public sandbox key2 of app 2553 reproduces it)",
      method: { secrets: [docKey] },
      request: { url: `${HOST}/zalopay`, headers: { "content-type": "application/json" }, body: callback(docKey, docData) },
      eventId: "200904_2553_1598435687208",
    }),
    vector({
      name: "zalopay: callback",
      provider: "zalopay",
      source: "https://docs.zalopay.vn/docs/specs/callback-api: mac = HMAC-SHA256(key2, data)",
      method: { secrets: [ownKey] },
      request: { url: `${HOST}/zalopay`, headers: { "content-type": "application/json" }, body: callback(ownKey, ownData) },
      eventId: "261203_2553_vectors0001",
    }),
  ];
}
