/**
 * MoMo payment IPN (API v3): `POST application/json`; the body's `signature` is hex
 * HMAC-SHA256(secretKey, `accessKey=…&amount=…&extraData=…&message=…&orderId=…&orderInfo=…&
 * orderType=…&partnerCode=…&payType=…&requestId=…&responseTime=…&resultCode=…&transId=…`),
 * the fields in that fixed order with raw values (no URL-encoding; an absent one is empty).
 * `accessKey` is not in the IPN body: the route gives it (option `accessKey`, a credential).
 * MoMo signs `responseTime` but documents no window, so replays are caught by dedup on
 * `requestId` only. The origin answers MoMo (HTTP 204 within 15 s).
 * https://developers.momo.vn/v3/docs/payment/api/result-handling/notification
 * (field list: the official sample momo-wallet/payment php/PayMoMo/ipn_momo.php)
 */
import { bodySignedPreset, field } from "./vn-payments";

/** The signed fields after accessKey, in MoMo's order. */
export const MOMO_IPN_FIELDS = ["amount", "extraData", "message", "orderId", "orderInfo", "orderType", "partnerCode", "payType", "requestId", "responseTime", "resultCode", "transId"] as const;

const raw = (value: unknown) => (value === undefined || value === null ? "" : typeof value === "object" ? JSON.stringify(value) : String(value));

export const momo = bodySignedPreset({
  name: "momo",
  display: "MoMo",
  source: "https://developers.momo.vn/v3/docs/payment/api/result-handling/notification",
  options: { accessKey: { secret: true, required: true, doc: "the partner's accessKey (MoMo signs it but does not send it)" } },
  read: (body, { accessKey = "" }) => {
    const requestId = field(body, "requestId");
    return {
      data: [`accessKey=${accessKey}`, ...MOMO_IPN_FIELDS.map((k) => `${k}=${raw(field(body, k))}`)].join("&"),
      signature: field(body, "signature"),
      ...(typeof requestId === "string" && requestId !== "" && { eventId: requestId }),
    };
  },
});
