// MoMo IPN (src/verify/presets/momo.ts): the body's `signature` is hex HMAC-SHA256(secretKey, the
// fixed `accessKey=…&amount=…&…&transId=…` string, raw values), accessKey from the route. MoMo
// publishes no key with a signature, so the vectors follow its official PHP sample's field list.
import { hex, hmac, json, JSON_TYPE } from "./lib.mjs";
import { HOST, NOW_MS, vector } from "./vector.mjs";

const FIELDS = ["amount", "extraData", "message", "orderId", "orderInfo", "orderType", "partnerCode", "payType", "requestId", "responseTime", "resultCode", "transId"];
export const signed = (accessKey, ipn) => [`accessKey=${accessKey}`, ...FIELDS.map((k) => `${k}=${ipn[k] ?? ""}`)].join("&");
export const ipnBody = (secretKey, accessKey, ipn) => json({ ...ipn, signature: hmac("sha256", secretKey, signed(accessKey, ipn), "hex") });

const sample = (c) => {
  const id = c.eventId ?? `MM${c.now}${hex(3)}`;
  return { partnerCode: "MOMOBKUN20180529", orderId: id, requestId: id, amount: 50000, orderInfo: "Thanh toán qua MoMo", orderType: "momo_wallet", transId: Number(String(c.now).slice(-10)), resultCode: 0, message: "Thành công.", payType: "qr", responseTime: c.now, extraData: "" };
};

export function event(c) {
  return { body: c.body ?? ipnBody(c.need("secret"), c.need("accessKey"), sample(c)), headers: { "content-type": JSON_TYPE } };
}

export async function vectors() {
  const secretKey = "momo-provider-vectors-secret-key-0123456789";
  const accessKey = "F8BBA842ECF85";
  const ipn = { partnerCode: "MOMOBKUN20180529", orderId: "MM1790000000000", requestId: "MM1790000000000", amount: 50000, orderInfo: "Thanh toán qua MoMo", orderType: "momo_wallet", transId: 4088878653, resultCode: 0, message: "Thành công.", payType: "qr", responseTime: NOW_MS, extraData: "" };
  return [
    vector({
      name: "momo: IPN",
      provider: "momo",
      source: "https://developers.momo.vn/v3/docs/payment/api/result-handling/notification (field order: momo-wallet/payment php/PayMoMo/ipn_momo.php); no published vector",
      method: { secrets: [secretKey], accessKey },
      request: { url: `${HOST}/momo`, headers: { "content-type": JSON_TYPE }, body: ipnBody(secretKey, accessKey, ipn) },
      eventId: "MM1790000000000",
    }),
  ];
}
