// Microsoft Graph change notifications (src/verify/presets/msgraph.ts): each notification carries the
// subscription's clientState, nothing signed; the subscription is validated with a POST
// ?validationToken= echoed back as text.
import { randomUUID } from "node:crypto";
import { json, JSON_TYPE } from "./lib.mjs";
import { HOST, vector } from "./vector.mjs";

export function event(c) {
  const notification = { subscriptionId: randomUUID(), subscriptionExpirationDateTime: new Date(c.now + 86_400_000).toISOString(), changeType: "created", resource: "Users/8bc5a1e0/Messages/AAMkAGUwNjQ4ZjIxAAA=", clientState: c.need("secret"), tenantId: randomUUID() };
  return { body: c.body ?? json({ value: [notification] }), headers: { "content-type": JSON_TYPE } };
}
export function handshake(c) {
  const url = new URL(c.url);
  url.searchParams.set("validationToken", `Validation: Testing client application reachability for subscription Request-Id: ${randomUUID()}`);
  return { url, body: "", headers: { "content-type": "text/plain; charset=utf-8" } };
}

export async function vectors() {
  const source = "https://learn.microsoft.com/en-us/graph/change-notifications-delivery-webhooks";
  const clientState = "secretClientValue-provider-vectors";
  const body = json({
    value: [
      {
        subscriptionId: "7f105c7d-2dc5-4530-97cd-4e7ae6534c07",
        subscriptionExpirationDateTime: "2026-09-24T12:53:20.000Z",
        changeType: "created",
        resource: "Users/8bc5a1e0/Messages/AAMkAGUwNjQ4ZjIxAAA=",
        resourceData: { "@odata.type": "#Microsoft.Graph.Message", id: "AAMkAGUwNjQ4ZjIxAAA=" },
        clientState,
        tenantId: "84bd8158-6d4d-4958-8b9f-9d6445542f95",
      },
    ],
  });
  const validation = "Validation: Testing client application reachability for subscription Request-Id: 1b2c3d4e-0000-4000-8000-000000000001";
  return [
    vector({
      name: "msgraph: change notification (clientState)",
      provider: "msgraph",
      source: `documented scheme (clientState in each notification): ${source}`,
      method: { secrets: [clientState] },
      request: { url: `${HOST}/graph`, headers: { "content-type": "application/json; charset=utf-8" }, body },
    }),
    vector({
      name: "msgraph: validationToken (POST)",
      provider: "msgraph",
      source: `documented handshake: ${source}#notificationurl-validation`,
      method: { secrets: [clientState] },
      request: {
        url: `${HOST}/graph?validationToken=${encodeURIComponent(validation).replace(/%20/g, "+")}`,
        headers: { "content-type": "text/plain; charset=utf-8" },
      },
      reply: { status: 200, contentType: "text/plain", body: validation },
    }),
  ];
}
