// GitLab's secret token (src/verify/presets/gitlab.ts): sent as is in `X-Gitlab-Token`, nothing signed.
import { randomUUID } from "node:crypto";
import { hex, json, JSON_TYPE } from "./lib.mjs";
import { HOST, vector } from "./vector.mjs";

const push = () => json({ object_kind: "push", event_name: "push", ref: "refs/heads/main", after: hex(20), user_username: "jsmith", project: { id: 15, path_with_namespace: "acme/app" }, total_commits_count: 1 });

export function event(c) {
  const id = c.eventId ?? randomUUID();
  return { body: c.body ?? push(), headers: { "content-type": JSON_TYPE, "x-gitlab-event": "Push Hook", "x-gitlab-token": c.need("secret"), "idempotency-key": id, "x-gitlab-event-uuid": id } };
}

export async function vectors() {
  const token = "glpat-free-text-webhook-token-provider-vectors";
  const uuid = "4e1d3a52-8a7b-4a93-9f3e-6b1a2c3d4e5f";
  const body = json({
    object_kind: "push",
    event_name: "push",
    before: "95790bf891e76fee5e1747ab589903a6a1f80f22",
    after: "da1560886d4f094c3e6c9ef40349f7d38b5d27d7",
    ref: "refs/heads/main",
    user_username: "jsmith",
    project: { id: 15, path_with_namespace: "mike/diaspora" },
    total_commits_count: 0,
  });
  return [
    vector({
      name: "gitlab: push (X-Gitlab-Token)",
      provider: "gitlab",
      source: "documented scheme: https://docs.gitlab.com/user/project/integrations/webhooks/ (the token is sent as is)",
      method: { secrets: [token] },
      request: {
        url: `${HOST}/gitlab`,
        headers: {
          "content-type": "application/json",
          "user-agent": "GitLab/18.4.0",
          "x-gitlab-event": "Push Hook",
          "x-gitlab-token": token,
          "x-gitlab-instance": "https://gitlab.example.com",
          "x-gitlab-webhook-uuid": "a1b2c3d4-0000-4000-8000-00000000beef",
          "x-gitlab-event-uuid": uuid,
          "idempotency-key": uuid,
        },
        body,
      },
      eventId: uuid,
    }),
  ];
}
