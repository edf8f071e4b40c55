/**
 * `hookgate send --provider <name>` for every preset, against the real worker (wrangler dev)
 * loaded with the demo routes (demo/routes.json) and the arguments `npm start` tells
 * newcomers to use (demo/send.json), in front of a real origin on 127.0.0.1. Each preset's
 * sample event must reach the origin verified, a changed body or another key must not,
 * the same event id twice must be a duplicate, and each handshake must be answered.
 * (The CLI's signers are not the oracle for our verifiers: test/node/provider-vectors.test.ts is.)
 */
import { createHmac, generateKeyPairSync, randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ADMIN_TOKEN, PROJECT_ROOT, runCli, startGateway, startOrigin, type Gateway, type Origin } from "./helpers";

interface DemoRoute {
  id: string;
  path: string;
  auth: { methods: { type: string; provider?: string }[] };
  delivery?: { mode?: string };
}
const routes = JSON.parse(readFileSync(join(PROJECT_ROOT, "demo/routes.json"), "utf8")) as DemoRoute[];
const sendArgs = JSON.parse(readFileSync(join(PROJECT_ROOT, "demo/send.json"), "utf8")) as Record<string, string[]>;

/** The Standard Webhooks senders: their `-id` header is the event id. */
const STANDARD_FAMILY = (JSON.parse(readFileSync(join(PROJECT_ROOT, "src/verify/presets/standard-family.json"), "utf8")) as { name: string }[]).map((p) => p.name);
const HMAC_FAMILY = JSON.parse(readFileSync(join(PROJECT_ROOT, "src/verify/presets/hmac-family.json"), "utf8")) as { name: string; scheme: { eventId?: unknown; keyEncoding: string } }[];
const KEY_ENCODING = new Map([...HMAC_FAMILY.map((e) => [e.name, e.scheme.keyEncoding] as const), ["adyen", "hex"] as const]);
/** The data-only HMAC presets that hand on an event id. */
const HMAC_FAMILY_IDS = HMAC_FAMILY.filter((e) => e.scheme.eventId)
  .map((e) => e.name);
/** Presets whose credential covers no part of the body (a token, Graph's clientState): a changed body still passes. */
const BODY_UNSIGNED = new Set(["gitlab", "mailchimp", "okta", "msgraph", "postmark", "pipedrive", "chargebee", "telegram", "sepay", "monday"]);
/** Presets that hand on an event id (header or body field), by how the origin sees it for `--event-id X`. */
const EVENT_ID: Record<string, (id: string) => string> = Object.fromEntries(
  ["stripe", "github", "gitlab", "gitlab-signing", "standard-webhooks", "svix", "shopify", "slack", "discord", "twilio", "square", "paddle", "linear", "intercom", "typeform", "sns", "zalopay", "payos", "momo", "vnpay", "casso", "vonage", "paypal", "contentful", "notion", "ebay", ...STANDARD_FAMILY, ...HMAC_FAMILY_IDS].map((p) => [p, (id: string) => id]),
);
EVENT_ID.mailgun = (id) => `token:${id}`; // the signed token is Mailgun's only per-delivery value
EVENT_ID.adyen = (id) => `${id}:AUTHORISATION:true`; // the sample's pspReference, with its signed eventCode and success
/**
 * Handshakes the gateway answers itself; SNS's SubscriptionConfirmation is forwarded (confirmSubscriptions is off in the demo).
 * Asana's and Notion's carry the route's secret, which the demo routes already hold: test/e2e/capture.test.ts arms capture for them.
 */
const HANDSHAKES: Record<string, (stdout: string) => void> = {
  slack: (out) => expect(out).toMatch(/"challenge":"[0-9a-f]{32}"/),
  meta: (out) => expect(out).toMatch(/\n[0-9a-f]{32}\n$/),
  discord: (out) => expect(out).toContain('{"type":1}'),
  zoom: (out) => expect(out).toMatch(/"plainToken":"[0-9a-f]{32}","encryptedToken":"[0-9a-f]{64}"/),
  mailchimp: (out) => expect(out).toMatch(/\nok\n$/),
  mandrill: () => {},
  dropbox: (out) => expect(out).toMatch(/\n[0-9a-f]{32}\n$/),
  x: (out) => expect(out).toMatch(/"response_token":"sha256=[A-Za-z0-9+/]{43}="/),
  okta: (out) => expect(out).toMatch(/"verification":"[0-9a-f]{32}"/),
  xero: () => {},
  msgraph: (out) => expect(out).toContain("Validation: Testing client application reachability"),
  monday: (out) => expect(out).toContain('{"challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"}'),
  // The code sent, and the hex HMAC-SHA256 of it under the demo route's client secret.
  linkedin: (out) => {
    const m = /\{"challengeCode":"([0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12})","challengeResponse":"([0-9a-f]{64})"\}/.exec(out);
    expect(m, out).not.toBeNull();
    const args = sendArgs["demo-linkedin"]!;
    expect(m![2]).toBe(createHmac("sha256", args[args.indexOf("--secret") + 1]!).update(m![1]!).digest("hex"));
  },
  // The code sent is random: the answer's form here, its value against eBay's SDK in test/node/provider-vectors.test.ts.
  ebay: (out) => expect(out).toMatch(/\{"challengeResponse":"[0-9a-f]{64}"\}/),
  woocommerce: (out) => expect(out).toMatch(/^200 OK\n/),
  front: (out) => expect(out).toMatch(/\{"challenge":"[0-9a-f]{32}"\}/),
  trello: (out) => expect(out).toMatch(/^200 OK\n/),
  nylas: (out) => expect(out).toMatch(/\n[0-9a-f]{32}\n$/),
  twitch: (out) => expect(out).toMatch(/\n[0-9a-f]{32}\n$/),
};

const presetOf = (r: DemoRoute) => r.auth.methods[0]!.provider;
const providerRoutes = routes.filter((r) => presetOf(r) !== undefined);

let gateway: Gateway;
let origin: Origin;
let keys: string;
const env = () => ({ HOOKGATE_URL: gateway.url, HOOKGATE_ADMIN_TOKEN: ADMIN_TOKEN });
const send = (route: DemoRoute, extra: string[] = [], args = sendArgs[route.id]!) => runCli(["send", `${gateway.url}${route.path}`, ...args, ...extra], env());
const status = (stdout: string) => Number(/^(\d{3}) /.exec(stdout)?.[1]);
/** A queued route answers 202 and delivers from its queue a moment later; a sync one answers the origin's 200. */
const accepted = (route: DemoRoute) => (route.delivery?.mode === "queue" ? 202 : 200);

/** Waits (bounded) until the origin has received `count` requests. */
async function received(count: number): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (origin.received.length < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
}

/** The demo arguments with the credential swapped for one the route does not hold. */
function wrongCredential(args: string[]): string[] {
  const out = [...args];
  const secret = out.indexOf("--secret");
  // A wrong secret of the same form (Supabase shows its `whsec_` secrets as `v1,whsec_…`).
  const whsec = (given: string) => /^(v1,)?whsec_/.exec(given)?.[0];
  if (secret >= 0) {
    const given = out[secret + 1]!;
    // A key given hex or base64 (Squarespace, Airtable) gets another of that encoding: `-wrong` would be neither.
    const encoding = KEY_ENCODING.get(out[out.indexOf("--provider") + 1]!);
    out[secret + 1] = whsec(given)
      ? `${whsec(given)}${Buffer.from(randomUUID()).toString("base64")}`
      : encoding === "hex" || encoding === "base64"
        ? Buffer.from(randomUUID()).toString(encoding)
        : `${given}-wrong`;
  }
  const key = out.indexOf("--key");
  if (key >= 0) {
    const provider = out[out.indexOf("--provider") + 1]!;
    const pair = ["sendgrid", "plaid", "ebay"].includes(provider)
      ? generateKeyPairSync("ec", { namedCurve: "P-256" })
      : ["sns", "fusionauth", "paypal"].includes(provider)
        ? generateKeyPairSync("rsa", { modulusLength: 2048 })
        : generateKeyPairSync("ed25519");
    const file = join(keys, `${provider}.pem`);
    writeFileSync(file, pair.privateKey.export({ format: "pem", type: "pkcs8" }));
    out[key + 1] = file;
  }
  return out;
}

beforeAll(async () => {
  [gateway, origin] = await Promise.all([startGateway(), startOrigin()]);
  keys = mkdtempSync(join(tmpdir(), "hookgate-keys-"));
  for (const route of routes) {
    const res = await gateway.admin("PUT", `/routes/${route.id}`, { ...route, origin: origin.url });
    expect(res.status, `${route.id}: ${await res.clone().text()}`).toBe(200);
  }
}, 120_000);

afterAll(async () => {
  await gateway?.stop();
  await origin?.close();
  if (keys) rmSync(keys, { recursive: true, force: true });
});

beforeEach(() => {
  origin.received.length = 0;
});

describe("the demo", () => {
  it("has a route and send arguments for every preset", async () => {
    // A non-literal specifier: the Node project does not type-check worker sources (their lib is workerd's).
    const presetsModule = new URL("../../src/verify/presets/index.ts", import.meta.url).href;
    const { PRESET_NAMES } = (await import(presetsModule)) as { PRESET_NAMES: string[] };
    expect(providerRoutes.map(presetOf).sort()).toEqual([...PRESET_NAMES].sort());
    for (const route of routes) expect(sendArgs[route.id], route.id).toBeDefined();
  });
});

describe.each(providerRoutes.map((route) => ({ provider: presetOf(route)!, route })))("hookgate send --provider $provider", ({ provider, route }) => {
  it("is forwarded to the origin, verified, with the provider's event id", async () => {
    const eventId = `e2e-${randomUUID()}`;
    const res = await send(route, ["--event-id", eventId]);
    expect(res.code, res.stderr).toBe(0);
    expect(status(res.stdout), res.stdout).toBe(accepted(route));
    await received(1);
    expect(origin.received).toHaveLength(1);
    const got = origin.received[0]!;
    expect(got.headers["x-hookgate-verified"]).toMatch(/\S/);
    if (EVENT_ID[provider]) expect(got.headers["x-hookgate-event-id"]).toBe(EVENT_ID[provider](eventId));
    else expect(got.headers["x-hookgate-event-id"]).toBeUndefined();
  });

  it.skipIf(!EVENT_ID[provider])("answers the same event id a second time as a duplicate, without forwarding it", async () => {
    const eventId = `e2e-${randomUUID()}`;
    expect(status((await send(route, ["--event-id", eventId])).stdout)).toBe(accepted(route));
    await received(1);
    const again = await send(route, ["--event-id", eventId]);
    expect(status(again.stdout), again.stdout).toBe(200);
    expect(again.stdout).toContain("x-hookgate-duplicate: true");
    expect(origin.received).toHaveLength(1);
  });

  it("refuses another secret or key with 401", async () => {
    const res = await send(route, [], wrongCredential(sendArgs[route.id]!));
    expect(status(res.stdout), res.stdout).toBe(401);
    expect(origin.received).toHaveLength(0);
  });

  // --tamper changes a byte near the end: for Mailgun and ZaloPay that is an unsigned envelope field
  // (ZaloPay's `type`); test/unit/verify/vn-payments.test.ts changes their signed data instead.
  // VNPAY's IPN is a GET: what it signs is the query, and there is no body to change.
  it.skipIf(BODY_UNSIGNED.has(provider) || provider === "mailgun" || provider === "zalopay" || provider === "vnpay")("refuses the body changed after signing", async () => {
    const res = await send(route, ["--tamper"]);
    expect([400, 401], res.stdout).toContain(status(res.stdout));
    expect(origin.received).toHaveLength(0);
  });

  it.skipIf(!HANDSHAKES[provider] && provider !== "sns")("answers its handshake", async () => {
    const res = await send(route, ["--handshake"]);
    expect(status(res.stdout), res.stdout).toBe(200);
    if (provider === "sns") {
      expect(origin.received).toHaveLength(1);
      expect(origin.received[0]!.headers["x-amz-sns-message-type"]).toBe("SubscriptionConfirmation");
      return;
    }
    expect(res.stdout).toContain("x-hookgate-handshake: true");
    HANDSHAKES[provider]!(res.stdout);
    expect(origin.received).toHaveLength(0);
  });
});

describe("hookgate send: the other forms a provider signs in", () => {
  const route = (id: string) => routes.find((r) => r.id === id)!;

  it("Standard Webhooks v1a: Ed25519 with --key, checked with the route's whpk_ key", async () => {
    const seed = sendArgs["demo-discord"]![sendArgs["demo-discord"]!.indexOf("--key") + 1]!; // the demo routes share RFC 8032's test key
    const res = await send(route("demo-standard-webhooks"), [], ["--provider", "standard-webhooks", "--key", seed]);
    expect(status(res.stdout), res.stdout).toBe(200);
    expect(origin.received[0]!.headers["webhook-signature"]).toMatch(/^v1a,/);
  });

  it("Twilio JSON: bodySHA256 in the signed URL, the body hashed", async () => {
    const res = await send(route("demo-twilio"), ["--content-type", "application/json"]);
    expect(status(res.stdout), res.stdout).toBe(200);
    expect(origin.received[0]!.url).toMatch(/[?&]bodySHA256=[0-9a-f]{64}$/);
    const tampered = await send(route("demo-twilio"), ["--content-type", "application/json", "--tamper"]);
    expect(status(tampered.stdout), tampered.stdout).toBe(401);
  });

  it("Meta's handshake with a wrong verify token gets 403", async () => {
    const args = sendArgs["demo-meta"]!.map((a, i, all) => (all[i - 1] === "--verify-token" ? "not-the-token" : a));
    const res = await send(route("demo-meta"), ["--handshake"], args);
    expect(status(res.stdout), res.stdout).toBe(403);
  });
});

describe("hookgate send: clear refusals", () => {
  it("names what is missing, and handshakes a provider does not have", async () => {
    const stripe = routes.find((r) => presetOf(r) === "stripe")!;
    const noSecret = await runCli(["send", `${gateway.url}${stripe.path}`, "--provider", "stripe"], env());
    expect(noSecret.code).toBe(2);
    expect(noSecret.stderr).toContain("--secret is needed for --provider stripe");
    const noHandshake = await runCli(["send", `${gateway.url}${stripe.path}`, "--provider", "stripe", "--secret", "x", "--handshake"], env());
    expect(noHandshake.code).toBe(2);
    expect(noHandshake.stderr).toContain("stripe has no handshake");
    const badKey = await runCli(["send", `${gateway.url}/hooks/discord`, "--provider", "discord", "--key", "not-a-key"], env());
    expect(badKey.code).toBe(2);
    expect(badKey.stderr).toContain("--key for discord");
  });
});
