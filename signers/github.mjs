// GitHub (src/verify/presets/github.ts): `X-Hub-Signature-256: sha256=<hex HMAC of the body>` (and the
// legacy SHA-1 `X-Hub-Signature`). @octokit/webhooks-methods signs the vectors; ours must agree.
import { randomUUID } from "node:crypto";
import { hex, hubSignature, json, JSON_TYPE } from "./lib.mjs";
import { agree, anySecret, HOST, once, vector } from "./vector.mjs";

const push = () =>
  json({ ref: "refs/heads/main", after: hex(20), repository: { id: 1296269, full_name: "acme/app" }, pusher: { name: "octocat" }, sender: { login: "octocat", id: 583231 }, head_commit: { message: "Fix the checkout button" } });

export function event(c) {
  const body = c.body ?? push();
  return { body, headers: { "content-type": JSON_TYPE, "x-github-event": "push", "x-github-delivery": c.eventId ?? randomUUID(), "x-hub-signature-256": hubSignature("sha256", c.need("secret"), body) } };
}

const sdk = once(() => import("@octokit/webhooks-methods"));

export async function vectors() {
  const octokit = await sdk();
  const sign = async (secret, body) => agree("github", hubSignature("sha256", secret, body), await octokit.sign(secret, body));
  // Documented vector: https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries#testing-the-webhook-payload-validation
  const docSecret = "It's a Secret to Everybody";
  const docBody = "Hello, World!";
  const docSignature = agree("github: documented vector", await sign(docSecret, docBody), "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17");
  const secret = "gh-webhook-secret-provider-vectors";
  const delivery = "72d3162e-cc78-11e3-81ab-4c9367dc0958";
  const body = json({
    zen: "Keep it logically awesome.",
    hook_id: 123456789,
    hook: { type: "Repository", id: 123456789, active: true, events: ["push"], config: { content_type: "json", insecure_ssl: "0", url: `${HOST}/github` } },
    repository: { id: 35129377, full_name: "octocat/hello-world" },
    sender: { login: "octocat", id: 1 },
  });
  const base = { "content-type": "application/json", "user-agent": "GitHub-Hookshot/044aadd", "x-github-event": "ping", "x-github-hook-id": "123456789" };
  return [
    vector({
      name: "github: documented vector (Hello, World!)",
      provider: "github",
      source:
        "documented vector: https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries#testing-the-webhook-payload-validation (reproduced by @octokit/webhooks-methods 6 sign)",
      method: { secrets: [docSecret] },
      request: {
        url: `${HOST}/github`,
        headers: { ...base, "x-github-delivery": "9f3c2a4e-0000-4000-8000-000000000001", "x-hub-signature-256": docSignature },
        body: docBody,
      },
      eventId: "9f3c2a4e-0000-4000-8000-000000000001",
    }),
    vector({
      name: "github: ping (sha256)",
      provider: "github",
      source: "@octokit/webhooks-methods 6 sign",
      method: { secrets: [secret] },
      request: { url: `${HOST}/github`, headers: { ...base, "x-github-delivery": delivery, "x-hub-signature-256": await sign(secret, body) }, body },
      eventId: delivery,
    }),
    // octokit v6 signs SHA-256 only: the legacy SHA-1 header follows GitHub's docs.
    vector({
      name: "github: legacy sha1 only (legacySha1)",
      provider: "github",
      source: "node:crypto HMAC-SHA1 per https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries (X-Hub-Signature)",
      method: { secrets: [secret], legacySha1: true },
      request: { url: `${HOST}/github`, headers: { ...base, "x-github-delivery": delivery, "x-hub-signature": hubSignature("sha1", secret, body) }, body },
      eventId: delivery,
    }),
  ];
}

/** octokit v6 checks the SHA-256 header only: a SHA-1-only vector has no oracle. */
export function oracle(v) {
  const signature = v.request.headers["x-hub-signature-256"];
  if (!signature) return null;
  return { sdk: "@octokit/webhooks-methods 6 verify", verify: async () => anySecret(v, async (s) => (await sdk()).verify(s, v.request.body, signature)) };
}
