/** Provider presets in route config: each takes only its own options, needs what it needs, and fails closed when it cannot be built. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compileRoute } from "../../../src/config/compile";
import { parseRouteConfig } from "../../../src/config/parse";
import { PRESET_NAMES } from "../../../src/verify/presets";

const route = (method: Record<string, unknown>) => ({ id: "p", host: "hooks.example.com", path: "/p", auth: { methods: [method] } });
const issuesOf = (method: Record<string, unknown>) => {
  const r = parseRouteConfig(route(method));
  return r.ok ? [] : r.error;
};

describe("provider presets in config", () => {
  it("accepts every preset with a secret and the options it requires", () => {
    const required: Record<string, Record<string, unknown>> = {
      meta: { verifyToken: "vt" },
      sns: { topicArns: ["arn:aws:sns:us-east-1:123456789012:orders"], secrets: [] },
      momo: { accessKey: "F8BBA842ECF85" },
      paypal: { webhookId: "1JE4291016473214C", secrets: [] },
      monday: { audience: "https://hooks.example.com/monday" },
      plaid: { keyUrl: "https://keys.example.com/plaid.json", secrets: [] },
      fusionauth: { keyUrl: "https://auth.example.com/.well-known/jwks.json", secrets: [] },
      ebay: { keys: { "9936261a-7d7b-4621-a0f1-96ccb428af49": "-----BEGIN PUBLIC KEY-----MFkw…-----END PUBLIC KEY-----" }, verificationToken: "vt", secrets: [] },
    };
    for (const provider of PRESET_NAMES) {
      const method = { type: "provider", provider, secrets: ["s"], ...required[provider] };
      expect(issuesOf(method), provider).toEqual([]);
    }
  });

  it("refuses an unknown provider, naming the field", () => {
    expect(issuesOf({ type: "provider", provider: "stripey", secrets: ["s"] })[0]!.path).toBe("auth.methods.0.provider");
  });

  it("refuses options a preset does not take", () => {
    expect(issuesOf({ type: "provider", provider: "github", secrets: ["s"], toleranceSeconds: 60 })).toEqual([
      { path: "auth.methods.0.toleranceSeconds", message: 'does not apply to provider "github"' },
    ]);
    expect(issuesOf({ type: "provider", provider: "stripe", secrets: ["s"], verifyToken: "x" })[0]!.path).toBe("auth.methods.0.verifyToken");
    expect(issuesOf({ type: "provider", provider: "slack", secrets: ["s"], publicUrl: "https://a.example/x" })[0]!.path).toBe("auth.methods.0.publicUrl");
    expect(issuesOf({ type: "provider", provider: "stripe", secrets: ["s"], signedUrlToken: "exclude" })[0]!.path).toBe("auth.methods.0.signedUrlToken");
    expect(issuesOf({ type: "provider", provider: "shopify", secrets: ["s"], legacySha1: true })[0]!.path).toBe("auth.methods.0.legacySha1");
  });

  it("requires what a preset cannot work without", () => {
    expect(issuesOf({ type: "provider", provider: "meta", secrets: ["s"] })).toEqual([
      { path: "auth.methods.0.verifyToken", message: 'is required for provider "meta"' },
    ]);
    expect(issuesOf({ type: "provider", provider: "sns" })).toEqual([{ path: "auth.methods.0.topicArns", message: 'is required for provider "sns"' }]);
    expect(issuesOf({ type: "provider", provider: "slack" })).toEqual([{ path: "auth.methods.0.secrets", message: "needs at least one secret" }]);
    expect(issuesOf({ type: "provider", provider: "sns", topicArns: ["arn:aws:sns:us-east-1:123456789012:t"], secrets: ["s"] })[0]!.path).toBe(
      "auth.methods.0.secrets",
    );
  });

  it("has no tolerance that turns the replay window off", () => {
    for (const toleranceSeconds of [0, -1, 0.5, 8 * 24 * 3600]) {
      expect(issuesOf({ type: "provider", provider: "slack", secrets: ["s"], toleranceSeconds }).length, String(toleranceSeconds)).toBeGreaterThan(0);
    }
  });

  it("refuses malformed topic ARNs and public URLs", () => {
    expect(issuesOf({ type: "provider", provider: "sns", topicArns: ["arn:aws:s3:::bucket"] }).length).toBeGreaterThan(0);
    expect(issuesOf({ type: "provider", provider: "twilio", secrets: ["s"], publicUrl: "https://a.example/x?y=1" }).length).toBeGreaterThan(0);
    expect(issuesOf({ type: "provider", provider: "twilio", secrets: ["s"], publicUrl: "ftp://a.example/x" }).length).toBeGreaterThan(0);
  });

  it("accepts a generic Ed25519 scheme and refuses one without header or payload", () => {
    expect(issuesOf({ type: "ed25519", header: "X-Sig", payload: "{timestamp}.{body}", timestampHeader: "X-Ts", secrets: ["a".repeat(64)] })).toEqual([]);
    expect(issuesOf({ type: "ed25519", secrets: ["a".repeat(64)] }).map((i) => i.path)).toEqual(["auth.methods.0.header", "auth.methods.0.payload"]);
  });

  it("never throws on arbitrary provider methods", () => {
    const method = fc.record(
      {
        type: fc.constant("provider"),
        provider: fc.oneof(fc.constantFrom(...PRESET_NAMES), fc.string()),
        secrets: fc.array(fc.oneof(fc.string(), fc.anything())),
        toleranceSeconds: fc.anything(),
        verifyToken: fc.anything(),
        publicUrl: fc.oneof(fc.webUrl(), fc.string()),
        topicArns: fc.anything(),
        legacySha1: fc.anything(),
      },
      { requiredKeys: ["type"] },
    );
    fc.assert(fc.property(method, (m) => void parseRouteConfig(route(m))));
  });
});

describe("compiling presets fails closed", () => {
  const compile = (method: Record<string, unknown>) => compileRoute("p", route(method), []);

  it("a route whose key cannot be imported refuses every request", async () => {
    // Parsing accepts any string; only importing tells that this is not an Ed25519 or P-256 key.
    const { importSecretKey, sealSecret } = await import("../../../src/config/secret-box");
    const key = await importSecretKey("q7tqVjQyU9qfP6Fw1t2Zb8O3sRr1kH4mN0pL5cX2vYw=");
    for (const provider of ["discord", "sendgrid"]) {
      const stored = route({ type: "provider", provider, secrets: [{ enc: await sealSecret("not-a-key", "p", key) }] });
      const compiled = await compileRoute("p", stored, [key]);
      expect(compiled.kind, provider).toBe("broken");
      if (compiled.kind === "broken") expect(compiled.problem).not.toContain("not-a-key");
    }
    expect((await compile({ type: "provider", provider: "discord", secrets: [] })).kind).toBe("broken");
  });
});
