/** URL/header tokens and HTTP Basic: constant-time checks, rotation, and every failure reason. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { basicVerifier, parseBasicAuthorization } from "../../../src/verify/basic";
import { tokenVerifier } from "../../../src/verify/token";

const NOW = 1_780_000_000_000;
const at = (url: string, headers: Record<string, string> = {}, now = NOW) => ({
  method: "POST",
  url: new URL(url),
  headers: new Headers(headers),
  body: new Uint8Array(0),
  now,
});
const basic = (credentials: string) => `Basic ${btoa(credentials)}`;

describe("token verifier", () => {
  it("accepts the query token and names the param to strip", async () => {
    const v = await tokenVerifier({ in: "query", name: "auth", secrets: [{ value: "TK-1" }] });
    expect(await v.verify(at("https://h.test/hook?auth=TK-1"))).toEqual({ ok: true });
    expect(v.strip).toEqual({ headers: [], query: ["auth"] });
  });

  it("accepts a header token (GitLab style)", async () => {
    const v = await tokenVerifier({ in: "header", name: "X-Gitlab-Token", secrets: [{ value: "glt" }] });
    expect(await v.verify(at("https://h.test/", { "x-gitlab-token": "glt" }))).toEqual({ ok: true });
  });

  it("accepts any of several tokens until each expires", async () => {
    const v = await tokenVerifier({ in: "query", name: "t", secrets: [{ value: "old", notAfter: NOW - 1 }, { value: "new" }] });
    expect((await v.verify(at("https://h.test/?t=new"))).ok).toBe(true);
    expect(await v.verify(at("https://h.test/?t=old"))).toEqual({ ok: false, reason: "credentials_mismatch" });
    expect((await v.verify(at("https://h.test/?t=old", {}, NOW - 2))).ok).toBe(true);
  });

  it.each([
    ["https://h.test/", "missing_credentials"],
    ["https://h.test/?auth=", "missing_credentials"],
    ["https://h.test/?auth=TK-2", "credentials_mismatch"],
    ["https://h.test/?auth=TK-1x", "credentials_mismatch"],
    ["https://h.test/?Auth=TK-1", "missing_credentials"],
  ])("rejects %s with %s", async (url, reason) => {
    const v = await tokenVerifier({ in: "query", name: "auth", secrets: [{ value: "TK-1" }] });
    expect(await v.verify(at(url))).toEqual({ ok: false, reason });
  });
});

describe("basic verifier", () => {
  const make = () => basicVerifier({ username: "hooks", secrets: [{ value: "pa:ss:word" }], realm: "webhooks" });

  it("accepts a password that contains colons", async () => {
    const v = await make();
    expect(await v.verify(at("https://h.test/", { authorization: basic("hooks:pa:ss:word") }))).toEqual({ ok: true });
  });

  it("offers a challenge and strips the Authorization header", async () => {
    const v = await make();
    expect(v.challenge).toBe('Basic realm="webhooks", charset="UTF-8"');
    expect(v.strip.headers).toEqual(["authorization"]);
  });

  it.each([
    [undefined, "missing_credentials"],
    ["Bearer abc", "malformed_credentials"],
    ["Basic !!!", "malformed_credentials"],
    [basic("no-colon"), "malformed_credentials"],
    [`Basic ${btoa("\xff\xfe:x")}`, "malformed_credentials"],
    [basic("hooks:wrong"), "credentials_mismatch"],
    [basic("other:pa:ss:word"), "credentials_mismatch"],
    [basic("hooks:pa:ss"), "credentials_mismatch"],
  ])("rejects %s with %s", async (header, reason) => {
    const v = await make();
    expect(await v.verify(at("https://h.test/", header ? { authorization: header } : {}))).toEqual({ ok: false, reason });
  });

  it("parses arbitrary Authorization values without throwing", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string().map((s) => `Basic ${s}`), fc.string().map((s) => `Basic ${btoa(unescape(encodeURIComponent(s)))}`)), (h) => {
        const parsed = parseBasicAuthorization(h);
        if (parsed) expect(parsed.user.includes(":")).toBe(false);
      }),
      { numRuns: 1000 },
    );
  });
});
