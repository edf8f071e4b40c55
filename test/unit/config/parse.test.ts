/** Route config validation: good configs parse with defaults; every bad one names its field; nothing throws. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseRouteConfig } from "../../../src/config/parse";

const valid = {
  id: "stripe",
  host: "hooks.example.com",
  path: "/hooks/stripe",
  auth: { methods: [{ type: "provider", provider: "stripe", secrets: ["whsec_abc"] }] },
};

const issuesOf = (input: unknown) => {
  const r = parseRouteConfig(input);
  if (r.ok) throw new Error("expected a rejection");
  return r.error;
};

describe("parseRouteConfig", () => {
  it("fills in the documented defaults", () => {
    const r = parseRouteConfig(valid);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.match).toBe("exact");
    expect(r.value.auth.mode).toBe("all");
    expect(r.value.limits).toEqual({ maxBodyBytes: 1024 * 1024, methods: ["POST"] });
    expect(r.value.originTimeoutMs).toBe(15_000);
  });

  it("listen mode takes no origin; an operator cannot set the gateway's own state", () => {
    expect(parseRouteConfig({ ...valid, delivery: { mode: "listen" } }).ok).toBe(true);
    expect(issuesOf({ ...valid, origin: "https://app.example.com", delivery: { mode: "listen" } })).toEqual([
      { path: "origin", message: expect.stringContaining('not used in delivery mode "listen"') },
    ]);
    expect(issuesOf({ ...valid, delivery: { mode: "later" } })).toEqual([{ path: "delivery.mode", message: 'must be "sync", "queue" or "listen"' }]);
    expect(issuesOf({ ...valid, state: { pausedAt: 1 } })[0]!.path).toBe("state");
  });

  it("accepts one example of every auth type", () => {
    const methods = [
      { type: "token", in: "query", secrets: ["t"] },
      { type: "token", in: "header", name: "X-Gitlab-Token", secrets: [{ value: "t", notAfter: "2027-01-01T00:00:00Z" }] },
      { type: "basic", username: "hooks", secrets: ["p:w"] },
      { type: "provider", provider: "github", secrets: ["s"] },
      { type: "provider", provider: "stripe", secrets: ["s"], toleranceSeconds: 60 },
      { type: "hmac", algorithm: "sha512", encoding: "base64", header: "X-Sig", payload: "{timestamp}:{body}", timestampHeader: "X-Ts", secrets: ["s"] },
    ];
    for (const m of methods) expect(parseRouteConfig({ ...valid, auth: { methods: [m] } }).ok, JSON.stringify(m)).toBe(true);
  });

  it.each([
    [{ ...valid, id: "Bad Id" }, "id"],
    [{ ...valid, host: "exa mple.com" }, "host"],
    [{ ...valid, path: "hooks" }, "path"],
    [{ ...valid, match: "regex" }, "match"],
    [{ ...valid, origin: "ftp://x" }, "origin"],
    [{ ...valid, auth: { methods: [] } }, "auth.methods"],
    [{ ...valid, auth: { methods: [{ type: "none" }] } }, "auth.methods.0.type"],
    [{ ...valid, auth: { methods: [{ type: "provider", provider: "stripe", secrets: [] }] } }, "auth.methods.0.secrets"],
    [{ ...valid, auth: { methods: [{ type: "provider", provider: "stripe", secrets: [""] }] } }, "auth.methods.0.secrets.0"],
    [{ ...valid, auth: { methods: [{ type: "provider", provider: "nonesuch", secrets: ["s"] }] } }, "auth.methods.0.provider"],
    // The older spelling is gone (0.x): it is refused with the way to write it now.
    [{ ...valid, auth: { methods: [{ type: "hmac", preset: "stripe", secrets: ["s"] }] } }, "auth.methods.0.preset"],
    [{ ...valid, auth: { methods: [{ type: "provider", provider: "stripe", secrets: ["s"], toleranceSeconds: 0 }] } }, "auth.methods.0.toleranceSeconds"],
    [{ ...valid, auth: { methods: [{ type: "provider", provider: "github", secrets: ["s"], toleranceSeconds: 60 }] } }, "auth.methods.0.toleranceSeconds"],
    [{ ...valid, auth: { methods: [{ type: "provider", provider: "stripe", secrets: ["s"], header: "x" }] } }, "auth.methods.0.header"],
    [{ ...valid, auth: { methods: [{ type: "hmac", secrets: ["s"], header: "x", payload: "{body}" }] } }, "auth.methods.0.algorithm"],
    [{ ...valid, auth: { methods: [{ type: "hmac", secrets: ["s"], algorithm: "sha256", header: "x", payload: "{bdy}" }] } }, "auth.methods.0.payload"],
    [{ ...valid, auth: { methods: [{ type: "hmac", secrets: ["s"], algorithm: "sha256", header: "x", payload: "{timestamp}.{body}" }] } }, "auth.methods.0.timestampHeader"],
    [{ ...valid, auth: { methods: [{ type: "token", in: "header", secrets: ["s"] }] } }, "auth.methods.0.name"],
    [{ ...valid, auth: { methods: [{ type: "basic", username: "a:b", secrets: ["s"] }] } }, "auth.methods.0.username"],
    [{ ...valid, auth: { methods: [{ type: "token", in: "query", secrets: [{ value: "s", notAfter: "tomorrow" }] }] } }, "auth.methods.0.secrets.0.notAfter"],
    [{ ...valid, limits: { maxBodyBytes: -1 } }, "limits.maxBodyBytes"],
    [{ ...valid, limits: { contentTypes: ["json"] } }, "limits.contentTypes.0"],
    [{ ...valid, secret: "typo" }, "secret"],
  ])("rejects %j naming %s", (input, path) => {
    expect(issuesOf(input).map((i) => i.path)).toContain(path);
  });

  it("rejects non-objects", () => {
    for (const input of [null, 1, "x", [], true]) expect(parseRouteConfig(input).ok).toBe(false);
  });

  it("never throws on arbitrary JSON, and every issue has a path and a message", () => {
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), fc.record({ id: fc.string(), host: fc.string(), path: fc.string(), auth: fc.jsonValue() })), (input) => {
        const r = parseRouteConfig(input);
        if (!r.ok) for (const issue of r.error) expect(issue.path && issue.message).toBeTruthy();
      }),
      { numRuns: 1000 },
    );
  });
});
