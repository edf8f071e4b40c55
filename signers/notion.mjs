// Notion (src/verify/presets/notion.ts): `X-Notion-Signature: sha256=<hex HMAC-SHA256 of the raw body>`,
// keyed with the verification token Notion posted once, unsigned, to the new subscription. No SDK
// verifies it and Notion's docs give no worked example.
import { randomUUID } from "node:crypto";
import { hmac, json, JSON_TYPE } from "./lib.mjs";
import { HOST, iso, NOW_MS, vector } from "./vector.mjs";

export const signature = (token, body) => `sha256=${hmac("sha256", token, body, "hex")}`;

const sampleEvent = (now, id) =>
  json({
    id: id ?? randomUUID(),
    timestamp: iso(now),
    workspace_id: "13950b26-c203-4f3b-b97d-93ec06319565",
    workspace_name: "Quantify Labs",
    subscription_id: "29d75c0d-5546-4414-8459-7b7a92f1fc4b",
    integration_id: "0ef2e755-4912-8096-91c1-00376a88a5ca",
    type: "page.content_updated",
    authors: [{ id: "c7c11cca-1d73-471d-9b6e-bdef51470190", type: "person" }],
    accessible_by: [{ id: "556a1abf-4f08-40c6-878a-75890d2a88ba", type: "person" }],
    attempt_number: 1,
    entity: { id: "153104cd-477e-809d-8dc4-ff2d96ae3090", type: "page" },
    data: { parent: { id: "13950b26-c203-4f3b-b97d-93ec06319565", type: "space" }, updated_blocks: [{ id: "153104cd-477e-80ec-b6a8-cfe2d0f1ae65", type: "block" }] },
  });

export function event(c) {
  const body = c.body ?? sampleEvent(c.now, c.eventId);
  return { body, headers: { "content-type": JSON_TYPE, "x-notion-signature": signature(c.need("secret"), body) } };
}

/** The subscription's verification request: unsigned, the token (here, `--secret`) in the body. */
export const handshake = (c) => ({ headers: { "content-type": JSON_TYPE }, body: json({ verification_token: c.need("secret") }) });

export async function vectors() {
  const token = "secret_notion-verification-token-provider-vectors";
  const id = "367cba44-b6f3-4c92-81e7-6a2e9659efd4";
  const body = sampleEvent(NOW_MS, id);
  return [
    vector({
      name: "notion: page.content_updated (sha256=<hex>)",
      provider: "notion",
      source:
        "node:crypto per https://developers.notion.com/reference/webhooks (step 3: every event signed with the verification token; sha256=<hex> over the raw body as hookdeck's notion-webhooks skill and the notionrs_webhooks crate verify it); Notion publishes no worked example",
      method: { secrets: [token] },
      request: { url: `${HOST}/notion`, headers: { "content-type": "application/json", "x-notion-signature": signature(token, body) }, body },
      eventId: id,
    }),
  ];
}
