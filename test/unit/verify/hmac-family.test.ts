/**
 * hmac-family.json, the providers whose scheme is data: every entry names a preset no other
 * file defines, cites an https source with the words it follows, and is a scheme the engine
 * builds (known algorithm, encoding, key encoding and a payload template it can fill).
 * Its vectors (test/unit/verify/providers.test.ts) then check each one with its negatives.
 */
import { describe, expect, it } from "vitest";
import { compileTemplate } from "../../../src/verify/scheme";
import { HMAC_FAMILY } from "../../../src/verify/presets/hmac-family";
import { presets } from "../../../src/verify/presets";
import family from "../../../src/verify/presets/standard-family.json";

const ED25519_PUBLIC = Uint8Array.from("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a".match(/../g)!.map((h) => parseInt(h, 16)));

describe("hmac-family.json", () => {
  const names = HMAC_FAMILY.map((e) => e.name);

  it("names each preset once, apart from every other preset", () => {
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) {
      expect(name).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
      expect(family.some((p) => p.name === name), name).toBe(false);
      expect(presets[name], name).toBeDefined();
    }
  });

  describe.each(HMAC_FAMILY.map((e) => ({ name: e.name, e })))("$name", ({ e }) => {
    it("cites its source and the words it follows", () => {
      expect(e.source).toMatch(/^https:\/\//);
      expect(e.quote.length).toBeGreaterThan(20);
    });

    it("is a scheme the engine builds", async () => {
      const s = e.scheme;
      expect(["hmac-sha1", "hmac-sha256", "hmac-sha512", "ed25519"]).toContain(s.algorithm);
      expect(["hex", "base64", "base64url"]).toContain(s.encoding);
      expect(["utf8", "base64", "hex"]).toContain(s.keyEncoding);
      expect(["single", "pairs", "list", "positional"]).toContain(s.format.kind);
      expect(compileTemplate(s.payload)).not.toBeNull();
      if (s.payload.includes("{timestamp}")) expect(s.timestamp).toBeDefined();
      // A positional header's first field is its timestamp: the scheme must read it from there.
      if (s.format.kind === "positional") expect(s.timestamp && !s.timestamp.header).toBe(true);
      if (s.timestamp) {
        expect(["s", "ms", "iso"]).toContain(s.timestamp.unit);
        expect(s.timestamp.toleranceSeconds).toBeGreaterThan(0);
        // No timestamp header: it travels in the signature header (a `t=` pair, or Recurly's first positional field).
        if (!s.timestamp.header) expect(["pairs", "positional"]).toContain(s.format.kind);
      }
      // An Ed25519 scheme holds a 32-byte public key (RFC 8032 test 1's, a valid point).
      const secret = s.algorithm === "ed25519" ? btoa(String.fromCharCode(...(s.keyEncoding === "hex" ? [] : ED25519_PUBLIC))) : s.keyEncoding === "hex" ? "00".repeat(32) : s.keyEncoding === "base64" ? btoa("k".repeat(32)) : "a-secret";
      const verifier = await presets[e.name]!.build({ secrets: [{ value: secret }], options: {}, url: {} });
      expect(verifier.scheme).toBe(`${s.algorithm === "ed25519" ? "ed25519" : "hmac"}:${e.name}`);
    });

    it.skipIf(!e.handshake && !e.reply)("declares only creation checks the engine answers, each where the pipeline asks it", async () => {
      const h = e.handshake;
      const r = e.reply;
      const token = /^[a-z0-9_-]{1,64}$/i;
      if (h) {
        expect(["head", "echo", "formPing"]).toContain(h.kind);
        if (h.kind === "echo") expect(h.param).toMatch(token);
        if (h.kind === "formPing") expect(h.field).toMatch(token);
      }
      if (r) {
        expect(["signedEcho", "headerChallenge"]).toContain(r.kind);
        expect(r.header).toMatch(/^[a-z0-9-]+$/);
        expect(r.field).toMatch(token);
      }
      const verifier = await presets[e.name]!.build({ secrets: [{ value: "a-secret" }], options: {}, url: {} });
      // Unsigned checks before authentication (no body), a form ping once the body is read, signed ones after verifying.
      expect(verifier.handshake !== undefined).toBe(h !== undefined && h.kind !== "formPing");
      expect(verifier.testRequest !== undefined).toBe(h?.kind === "formPing");
      expect(verifier.reply !== undefined).toBe(r !== undefined);
    });
  });
});

describe("everyHeader: one signature per key, each in its own header (Box, DocuSign)", () => {
  const sign = async (key: string, data: string) => {
    const k = await crypto.subtle.importKey("raw", new TextEncoder().encode(key), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    return btoa(String.fromCharCode(...new Uint8Array(await crypto.subtle.sign("HMAC", k, new TextEncoder().encode(data)))));
  };
  const build = (secret: string) => presets.docusign!.build({ secrets: [{ value: secret }], options: {}, url: {} });
  const input = (headers: Record<string, string>) => ({ method: "POST", url: new URL("https://h.example/x"), headers: new Headers(headers), body: new TextEncoder().encode("{}"), now: Date.now() });

  it("a route holding only the second key verifies by the second header; a third key by neither", async () => {
    const headers = { "x-docusign-signature-1": await sign("key-one", "{}"), "x-docusign-signature-2": await sign("key-two", "{}") };
    expect((await (await build("key-two")).verify(input(headers))).ok).toBe(true);
    expect((await (await build("key-one")).verify(input(headers))).ok).toBe(true);
    expect(await (await build("key-three")).verify(input(headers))).toEqual({ ok: false, reason: "signature_mismatch" });
    expect(await (await build("key-two")).verify(input({}))).toEqual({ ok: false, reason: "missing_signature" });
  });
});
