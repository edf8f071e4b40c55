/**
 * GitLab: `X-Gitlab-Token` carries the configured secret token itself (no HMAC, no
 * timestamp: it cannot detect a changed body), compared in constant time and never
 * forwarded. Event id: `Idempotency-Key`, or `X-Gitlab-Event-UUID` on older versions.
 * https://docs.gitlab.com/user/project/integrations/webhooks/
 */
import { tokenVerifier } from "../token";
import { definePreset } from "./types";

export const GITLAB_EVENT_ID_HEADERS = ["idempotency-key", "x-gitlab-event-uuid"] as const;

export const gitlab = definePreset({
  display: "GitLab (secret token)",
  sources: ["https://docs.gitlab.com/user/project/integrations/webhooks/"],
  options: {},
  build: ({ secrets }) => tokenVerifier({ in: "header", name: "x-gitlab-token", secrets, eventIdHeaders: GITLAB_EVENT_ID_HEADERS, scheme: "gitlab" }),
});
