// The Standard Webhooks senders written down as data (src/verify/presets/standard-family.json:
// which header family, which key), signed by standard-webhooks.mjs. Each one's vector is signed
// by the library its SDK verifies with, in the header family it sends.
import { readFileSync } from "node:fs";
import { json } from "./lib.mjs";
import { libraryOracle, librarySigned, standardSender } from "./standard-webhooks.mjs";
import { HOST, iso, NOW_MS, TS, vector } from "./vector.mjs";

const FAMILY = JSON.parse(readFileSync(new URL("../src/verify/presets/standard-family.json", import.meta.url), "utf8"));
const BY_NAME = new Map(FAMILY.map((p) => [p.name, p]));

export const sender = (name) => standardSender(BY_NAME.get(name).sends, () => ({}), BY_NAME.get(name).key);

/** The secret as the provider's dashboard shows it: `whsec_…`, Supabase's `v1,whsec_…`, Polar's plain string. */
function familySecret(p, i) {
  if (p.key === "utf8") return `${p.name}_whs_provider_vectors_${i}_0a1b2c3d4e5f`;
  const whsec = `whsec_${Buffer.alloc(32, 0x40 + i).toString("base64")}`;
  return p.name === "supabase" ? `v1,${whsec}` : whsec;
}

/**
 * The secret the library the provider's SDK wraps is given: Polar's SDK base64-encodes the
 * secret (its UTF-8 bytes are the key); Supabase's docs strip `v1,`.
 */
const libraryKey = (p, secret) => (p.key === "utf8" ? Buffer.from(secret, "utf8").toString("base64") : secret.replace(/^v1,/, ""));

export async function vectors() {
  const out = [];
  for (const [i, p] of FAMILY.entries()) {
    const secret = familySecret(p, i);
    const id = `msg_2VecT0r${p.name.replace(/-/g, "")}${"0".repeat(12)}`.slice(0, 28);
    const body = json({ type: `${p.name}.event`, timestamp: iso(NOW_MS), data: { id: `obj_${i}`, provider: p.name } });
    const signature = await librarySigned(p.sends === "svix" ? "svix" : "standardwebhooks", libraryKey(p, secret), id, NOW_MS, body, { secret, encoding: p.key });
    out.push(
      vector({
        name: `${p.name}: ${p.sends}-* headers`,
        provider: p.name,
        source: `${p.source}; signed by ${p.sends === "svix" ? "svix 2.5" : "standardwebhooks 1.1"} Webhook.sign`,
        method: { secrets: [secret] },
        request: {
          url: `${HOST}/${p.name}`,
          headers: { "content-type": "application/json", [`${p.sends}-id`]: id, [`${p.sends}-timestamp`]: String(TS), [`${p.sends}-signature`]: signature },
          body,
        },
        eventId: id,
      }),
    );
  }
  return out;
}

/** The library the provider's SDK verifies with, given the secret as that SDK hands it on. */
export function oracle(v) {
  const p = BY_NAME.get(v.provider);
  return libraryOracle(v, v.request.headers["svix-signature"] ? "svix" : "standardwebhooks", (s) => libraryKey(p, s));
}
