// Svix (src/verify/presets/standard-webhooks.ts): Standard Webhooks with `svix-*` headers (or,
// white-labelled, `webhook-*`), signed by standard-webhooks.mjs; the svix library signs the vectors.
import { json } from "./lib.mjs";
import { libraryOracle, librarySigned, standardSender } from "./standard-webhooks.mjs";
import { HOST, NOW_MS, TS, vector } from "./vector.mjs";

export const { event, keyKind } = standardSender("svix");

export async function vectors() {
  const secret = `whsec_${Buffer.alloc(24, 0x53).toString("base64")}`;
  const id = "msg_2VecT0rSvix00000000000";
  const body = json({ type: "user.created", data: { id: "user_1", email: "a@example.com" } });
  const signature = await librarySigned("svix", secret, id, NOW_MS, body, { secret });
  const family = (prefix) => ({ "content-type": "application/json", [`${prefix}-id`]: id, [`${prefix}-timestamp`]: String(TS), [`${prefix}-signature`]: signature });
  return [
    vector({
      name: "svix: webhook-* headers (white-labelled)",
      provider: "svix",
      source: "svix 2.5 Webhook.sign; https://docs.svix.com/receiving/verifying-payloads/how-manual (the libraries accept both header families)",
      method: { secrets: [secret] },
      request: { url: `${HOST}/svix`, headers: family("webhook"), body },
      eventId: id,
    }),
    vector({
      name: "standard-webhooks: svix-* headers",
      provider: "standard-webhooks",
      source: "svix 2.5 Webhook.sign (svix-* headers; the svix library verifies either family)",
      method: { secrets: [secret] },
      request: { url: `${HOST}/standard`, headers: family("svix"), body },
      eventId: id,
    }),
    vector({
      name: "svix: svix-* headers",
      provider: "svix",
      source: "svix 2.5 Webhook.sign",
      method: { secrets: [secret] },
      request: { url: `${HOST}/svix`, headers: family("svix"), body },
      eventId: id,
    }),
  ];
}

export const oracle = (v) => libraryOracle(v, "svix");
