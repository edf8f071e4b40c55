/**
 * Vietnamese payment callbacks that carry their signature inside the JSON body. Each signs a
 * string it builds from the body, with an HMAC-SHA256 key used as UTF-8 text, in lower-case hex.
 * The origin still answers the provider as it expects (ZaloPay `{"return_code":1,…}`, payOS 2xx).
 *
 * - ZaloPay (https://docs.zalopay.vn/docs/specs/callback-api): `{"data": "<JSON string>",
 *   "mac": "<hex>", "type": 1|2}`; mac = HMAC-SHA256(key2, data) over the `data` string exactly
 *   as received. Event id: `app_trans_id` inside the signed data.
 * - payOS (https://payos.vn/docs/tich-hop-webhook/kiem-tra-du-lieu-voi-signature/, payos-lib-node):
 *   `{code, desc, success, data: {…}, signature}`; signature = HMAC-SHA256(checksum key,
 *   `k=v&…` of `data`'s keys sorted, values raw: null and "null"/"undefined" empty, arrays as
 *   JSON with each element's keys sorted), as the official SDK builds it. Event id: `data.reference`.
 *
 * Neither signs a timestamp: replays inside dedup's retention are caught by dedup only.
 */
import { hexToBytes, utf8 } from "../../lib/encoding";
import { parseJson } from "../../lib/json-field";
import { importSecretKeys, verifySignature } from "../keys";
import { active } from "../secrets";
import { fail, pass, type Verifier, type VerifyResult } from "../types";
import { definePreset, type Preset, type PresetInput, type PresetOptions } from "./types";

const HEX_SHA256 = /^[0-9a-fA-F]{64}$/;

type Signed = { data: string; signature: unknown; eventId?: string } | "malformed_body";

/** A JSON body whose own field carries a hex HMAC-SHA256 of a string built from the body (and, for MoMo, a credential option). */
export function bodySignedPreset<O extends PresetOptions = Record<never, never>>(facts: {
  readonly name: string;
  readonly display: string;
  readonly source: string;
  readonly options?: O;
  readonly read: (body: unknown, options: PresetInput<O>["options"]) => Signed;
}): Preset {
  return definePreset({
    display: facts.display,
    sources: [facts.source],
    options: (facts.options ?? {}) as O,
    async build({ secrets, options }) {
      const keys = await importSecretKeys(secrets, "hmac-sha256");
      const verifier: Verifier = {
        scheme: `hmac:${facts.name}`,
        needsBody: true,
        strip: { headers: [], query: [] },
        async verify({ body, now }): Promise<VerifyResult> {
          const parsed = parseJson(body);
          if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) return fail("malformed_body");
          const signed = facts.read(parsed, options);
          if (signed === "malformed_body") return fail("malformed_body");
          if (signed.signature === undefined || signed.signature === "") return fail("missing_signature");
          if (typeof signed.signature !== "string" || !HEX_SHA256.test(signed.signature)) return fail("malformed_signature");
          const valid = active(keys, now);
          if (valid.length === 0) return fail("no_active_secret");
          const signature = hexToBytes(signed.signature)!;
          const data = utf8(signed.data);
          for (const key of valid) if (await verifySignature(key, signature, data)) return pass(signed.eventId);
          return fail("signature_mismatch");
        },
      };
      return verifier;
    },
  });
}

export const field = (value: unknown, key: string) => (Object.hasOwn(value as object, key) ? (value as Record<string, unknown>)[key] : undefined);

export const zalopay = bodySignedPreset({
  name: "zalopay",
  display: "ZaloPay",
  source: "https://docs.zalopay.vn/docs/specs/callback-api",
  read: (body) => {
    const data = field(body, "data");
    if (typeof data !== "string") return "malformed_body";
    const inner = parseJson(utf8(data));
    const id = inner && typeof inner === "object" ? field(inner, "app_trans_id") : undefined;
    return { data, signature: field(body, "mac"), ...(typeof id === "string" && id !== "" && { eventId: id }) };
  },
});

/** payOS's value rendering (payos-lib-node convertObjToQueryStr). */
function payosValue(value: unknown): string {
  if (value === null || value === undefined || value === "null" || value === "undefined") return "";
  if (Array.isArray(value)) return JSON.stringify(value.map((v) => (v && typeof v === "object" && !Array.isArray(v) ? sortKeys(v as Record<string, unknown>) : v)));
  return String(value);
}

const sortKeys = (o: Record<string, unknown>) => Object.fromEntries(Object.keys(o).sort().map((k) => [k, o[k]]));

/** `k=v&…` over `data`'s keys in code-unit order, as the SDK sorts them. */
export function payosSignedString(data: Record<string, unknown>): string {
  return Object.keys(data)
    .sort()
    .filter((k) => data[k] !== undefined)
    .map((k) => `${k}=${payosValue(data[k])}`)
    .join("&");
}

export const payos = bodySignedPreset({
  name: "payos",
  display: "payOS",
  source: "https://payos.vn/docs/tich-hop-webhook/kiem-tra-du-lieu-voi-signature/",
  read: (body) => {
    const data = field(body, "data");
    if (data === null || typeof data !== "object" || Array.isArray(data)) return "malformed_body";
    const reference = field(data, "reference");
    return {
      data: payosSignedString(data as Record<string, unknown>),
      signature: field(body, "signature"),
      ...(typeof reference === "string" && reference !== "" && { eventId: reference }),
    };
  },
});
