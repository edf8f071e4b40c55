// GitLab's signing token (src/verify/presets/gitlab.ts): Standard Webhooks (`webhook-*` headers),
// signed by standard-webhooks.mjs; the standardwebhooks library signs the vector.
import { json } from "./lib.mjs";
import { libraryOracle, librarySigned, standardSender } from "./standard-webhooks.mjs";
import { HOST, NOW_MS, TS, vector } from "./vector.mjs";

export const { event, keyKind } = standardSender("webhook", (id) => ({ "x-gitlab-event": "Push Hook", "idempotency-key": id }));

export async function vectors() {
  const secret = `whsec_${Buffer.alloc(32, 0x47).toString("base64")}`;
  const id = "d7a6e2b0-3c1f-4f5e-9a8b-7c6d5e4f3a2b";
  const body = json({
    object_kind: "push",
    event_name: "push",
    ref: "refs/heads/main",
    project: { id: 15, path_with_namespace: "mike/diaspora" },
    total_commits_count: 0,
  });
  return [
    vector({
      name: "gitlab-signing: push (Standard Webhooks headers)",
      provider: "gitlab-signing",
      source: "standardwebhooks 1.1 Webhook.sign (GitLab's signing token is Standard Webhooks: https://gitlab.com/gitlab-org/gitlab/-/merge_requests/230944)",
      method: { secrets: [secret] },
      request: {
        url: `${HOST}/gitlab`,
        headers: {
          "content-type": "application/json",
          "x-gitlab-event": "Push Hook",
          "x-gitlab-event-uuid": id,
          "idempotency-key": id,
          "webhook-id": id,
          "webhook-timestamp": String(TS),
          "webhook-signature": await librarySigned("standardwebhooks", secret, id, NOW_MS, body, { secret }),
        },
        body,
      },
      eventId: id,
    }),
  ];
}

export const oracle = (v) => libraryOracle(v, "standardwebhooks");
