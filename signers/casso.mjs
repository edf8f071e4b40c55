// Casso (src/verify/presets/casso.ts): `X-Casso-Signature: t=<ms>,v1=<hex HMAC-SHA512 of "<t>.<the
// whole body, keys sorted at every level, compact>">`. Casso's own verification sample publishes
// a key, a body and its signature: our signer must reproduce them.
import { hex, hmac, json, JSON_TYPE } from "./lib.mjs";
import { agree, HOST, NOW_MS, vector } from "./vector.mjs";

/** Keys sorted at every level, as Casso's sample sorts before json_encode. */
const sorted = (v) => (Array.isArray(v) ? v.map(sorted) : v && typeof v === "object" ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sorted(v[k])])) : v);
export const signature = (key, t, body) => `t=${t},v1=${hmac("sha512", key, `${t}.${json(sorted(JSON.parse(body)))}`, "hex")}`;

const sample = (c) =>
  json({ error: 0, data: { id: c.eventId ? Number(c.eventId) || c.eventId : Number(String(c.now).slice(-7)), reference: `FT${hex(6)}`, description: "hookgate test", amount: 100000, runningBalance: 25000000, transactionDateTime: "2026-12-03 10:00:00", accountNumber: "88888888", bankName: "VPBank", bankAbbreviation: "VPB", virtualAccountNumber: "", virtualAccountName: "", counterAccountName: "NGUYEN VAN A", counterAccountNumber: "8888888888", counterAccountBankId: "970415", counterAccountBankName: "VietinBank" } });

export function event(c) {
  const body = c.body ?? sample(c);
  return { body, headers: { "content-type": JSON_TYPE, "x-casso-signature": signature(c.need("secret"), c.now, body) } };
}

const DOC_KEY = "mgExMrjj4i7a1p8Cs6LmFbpCd8lbw4sSX4LZXPag7TKazeIogtR90tvWYTkwQbvs";
const DOC_T = 1727948258788;
const DOC_BODY = json({ error: 0, data: { id: 0, reference: "MA_GIAO_DICH_THU_NGHIEM", description: "giao dich thu nghiem", amount: 599000, runningBalance: 25000000, transactionDateTime: "2024-10-03 15:06:37", accountNumber: "88888888", bankName: "VPBank", bankAbbreviation: "VPB", virtualAccountNumber: "", virtualAccountName: "", counterAccountName: "NGUYEN VAN A", counterAccountNumber: "8888888888", counterAccountBankId: "970415", counterAccountBankName: "VietinBank" } });
const DOC_SIGNATURE = "ed0a4bd2e826d5cb69988cdb141e6c1a080e21f3b57eb72cd78192220042b9e7dde0868fc667faea8e224900fa7904e7c88dfa098032fb2d6b6996856e8b7ff3";

export async function vectors() {
  agree("casso: documented vector", signature(DOC_KEY, DOC_T, DOC_BODY), `t=${DOC_T},v1=${DOC_SIGNATURE}`);
  const key = "casso-provider-vectors-checksum-key-0123456789";
  const body = json({ error: 0, data: { id: 4242, reference: "FT26337VECTORS", description: "thanh toan don hang 1001 / hoa don", amount: 250000, accountNumber: "88888888" } });
  return [
    vector({
      name: "casso: documented vector",
      provider: "casso",
      source: "documented vector: Casso's PHP verification sample (its checksum key, body and X-Casso-Signature), docs/research/vn.md",
      method: { secrets: [DOC_KEY] },
      request: { url: `${HOST}/casso`, headers: { "content-type": JSON_TYPE, "x-casso-signature": `t=${DOC_T},v1=${DOC_SIGNATURE}` }, body: DOC_BODY },
      now: DOC_T,
      eventId: "0",
    }),
    vector({
      name: "casso: a transfer with a slash (both JSON renderings accepted)",
      provider: "casso",
      source: "Casso's sample algorithm: HMAC-SHA512(checksum key, t + '.' + sorted JSON of the body)",
      method: { secrets: [key] },
      request: { url: `${HOST}/casso`, headers: { "content-type": JSON_TYPE, "x-casso-signature": signature(key, NOW_MS, body) }, body },
      eventId: "4242",
    }),
  ];
}
