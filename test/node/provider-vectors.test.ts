/**
 * test/vectors/providers.json is what scripts/provider-vectors.mjs makes, and the providers'
 * own libraries accept it. The generator runs in memory (it signs with the SDKs, or takes
 * the documented vectors, and throws if an SDK rejects what it made); its output must equal
 * the committed file. SendGrid's ECDSA signatures are randomized: the generator keeps the
 * committed ones while the SDK accepts them, so a changed one shows up as a difference.
 * Then, independently of generation, every committed vector with an SDK verifier is
 * checked by that SDK, and must be refused by it once its body changes (an oracle that
 * accepted anything would prove nothing). test/unit/verify/providers.test.ts runs the same
 * vectors through our presets inside workerd.
 */
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";

interface Vector {
  name: string;
  provider: string;
  source: string;
  method: { type: "provider"; provider: string; secrets?: unknown[]; [option: string]: unknown };
  request: { method: string; url: string; headers: Record<string, string>; body: string };
  now: number;
  eventId?: string;
  reply?: { status: number; contentType?: string; body: string };
}

interface Oracle {
  sdk: string;
  verify(): Promise<boolean>;
}

interface GeneratorModule {
  NOW_MS: number;
  VECTORS_FILE: string;
  generate(options?: { previous?: Vector[] }): Promise<Vector[]>;
  sdkOracle(v: Vector): Oracle | null;
  serialize(vectors: Vector[]): string;
}

// A non-literal specifier: the script is plain ESM (no types), typed by GeneratorModule above.
const SCRIPT = new URL("../../scripts/provider-vectors.mjs", import.meta.url).href;
const gen = (await import(SCRIPT)) as GeneratorModule;
const committedText = readFileSync(gen.VECTORS_FILE, "utf8");
const COMMITTED = JSON.parse(committedText) as Vector[];

/** The Standard Webhooks senders: each checked by the library its SDK verifies with (standardwebhooks or svix). */
const FAMILY = (JSON.parse(readFileSync(new URL("../../src/verify/presets/standard-family.json", import.meta.url), "utf8")) as { name: string }[]).map((p) => p.name);

/** Providers whose SDK is installed and must verify every vector it applies to. */
const SDK_PROVIDERS = [
  ...FAMILY,
  // data-only HMAC presets with an SDK of their own (SDKS in signers/hmac-family.mjs)
  "razorpay",
  "line",
  "gocardless",
  "coinbase-commerce",
  "workos",
  "mux",
  "onfido",
  "mailersend",
  "orb",
  "sanity",
  "payos",
  "telnyx",
  "adyen-platform",
  "vonage",
  // No verifier of their own (their docs point to any JWT library): checked by jose, an independent JOSE implementation.
  "netlify",
  "plaid",
  "fusionauth",
  "monday",
  "webflow",
  "pusher",
  "stripe",
  "github",
  "gitlab-signing",
  "standard-webhooks",
  "svix",
  "twilio",
  "hubspot",
  "square",
  "paddle",
  "linear",
  "discord",
  "sendgrid",
  "slack",
  "shopify",
  "zoom",
  "adyen",
  "contentful",
  "ebay",
];

describe("provider vectors: reproducible", () => {
  let generated: Vector[];
  beforeAll(async () => {
    generated = await gen.generate({ previous: COMMITTED });
  }, 60_000);

  it("regenerates the committed file byte for byte", () => {
    expect(generated.map((v) => v.name)).toEqual(COMMITTED.map((v) => v.name));
    for (let i = 0; i < COMMITTED.length; i++) expect(generated[i], COMMITTED[i]!.name).toEqual(COMMITTED[i]);
    expect(gen.serialize(generated)).toBe(committedText);
  });

  it("has well-formed vectors: lower-case headers, a source, provider matching its method, reply only for handshakes", () => {
    for (const v of COMMITTED) {
      expect(v.method.type).toBe("provider");
      expect(v.method.provider).toBe(v.provider);
      expect(v.source.length).toBeGreaterThan(10);
      for (const name of Object.keys(v.request.headers)) expect(name).toBe(name.toLowerCase());
      expect(Number.isSafeInteger(v.now)).toBe(true);
      if (v.reply) expect(v.eventId).toBeUndefined();
    }
  });

  it("signs at the fixed time unless a documented vector brings its own", () => {
    for (const v of COMMITTED.filter((v) => v.now !== gen.NOW_MS)) expect(v.source, v.name).toMatch(/^documented vector/);
  });
});

describe("provider vectors: the providers' own libraries accept them", () => {
  const checked = COMMITTED.map((v) => [v, gen.sdkOracle(v)] as const).filter((p): p is readonly [Vector, Oracle] => p[1] !== null);

  it("has an SDK check for every provider with an SDK installed", () => {
    expect([...new Set(checked.map(([v]) => v.provider))].sort()).toEqual([...SDK_PROVIDERS].sort());
  });

  describe.each(checked.map(([v, oracle]) => ({ name: v.name, sdk: oracle.sdk, v })))("$name", ({ sdk, v }) => {
    it(`${sdk} accepts it`, async () => {
      expect(await gen.sdkOracle(v)!.verify()).toBe(true);
    });

    it(`${sdk} refuses it with one body byte changed`, async () => {
      const body = v.request.body;
      // monday.com's JWT names its sender, not the bytes (no body claim): nothing to refuse.
      if (body === "" || v.provider === "monday") return;
      // Flip a character in the middle: still text, no longer what was signed. Adyen signs eight
      // fields of each item, not the body: there it is a character of the first pspReference.
      const at = v.provider === "adyen" ? body.indexOf('"pspReference":"') + '"pspReference":"'.length + 1 : body.length >> 1;
      const changed = body.slice(0, at) + String.fromCharCode(body.charCodeAt(at) ^ 0x01) + body.slice(at + 1);
      expect(await gen.sdkOracle({ ...v, request: { ...v.request, body: changed } })!.verify()).toBe(false);
    });
  });
});

describe("published numbers that cannot be route vectors", () => {
  // WooCommerce's own unit test (plugins/woocommerce/tests/legacy/unit-tests/webhooks/crud.php,
  // test_generate_signature) signs "secret" under a new webhook's empty secret: a route cannot hold
  // an empty secret (and WebCrypto imports no empty HMAC key), so it is checked here, against the
  // signer `hookgate send` and the vectors use.
  it("WooCommerce's test_generate_signature is what bin/scheme-signer.mjs gives for the woocommerce entry", async () => {
    const { signScheme } = (await import(new URL("../../bin/scheme-signer.mjs", import.meta.url).href)) as {
      signScheme(scheme: unknown, input: { secret: string; body: Buffer; now: number }): Record<string, string>;
    };
    const family = JSON.parse(readFileSync(new URL("../../src/verify/presets/hmac-family.json", import.meta.url), "utf8")) as { name: string; scheme: unknown }[];
    const woo = family.find((e) => e.name === "woocommerce")!;
    expect(signScheme(woo.scheme, { secret: "", body: Buffer.from("secret"), now: gen.NOW_MS })["x-wc-webhook-signature"]).toBe("GBDo00G55h6IiV+6CxqivQPLbI//KzaOZm747971tPs=");
  });
});
