/**
 * The creation handshakes that carry a secret (verify/handshakes.ts: Asana's `X-Hook-Secret`,
 * Notion's `verification_token`) as parsers of untrusted input: arbitrary headers and bodies
 * never throw; what is taken is exactly the value sent, and only in the documented shape.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { asanaHookSecret, notionVerificationToken } from "../../../src/verify/handshakes";
import type { VerifyInput } from "../../../src/verify/types";

const NOW = 1_790_000_000_000;
const input = (method: string, headers: Record<string, string>, body: Uint8Array | string = ""): VerifyInput => ({
  method,
  url: new URL("https://hooks.example.com/r"),
  headers: new Headers(headers),
  body: typeof body === "string" ? new TextEncoder().encode(body) : body,
  now: NOW,
});
const visible = fc.stringMatching(/^[\x21-\x7e]{1,200}$/);

describe("asana: X-Hook-Secret", () => {
  it("takes the header's exact value from a POST without X-Hook-Signature, and echoes it in a 200", () => {
    fc.assert(
      fc.property(visible, (secret) => {
        const taken = asanaHookSecret(input("POST", { "x-hook-secret": secret }));
        expect(taken?.secret).toBe(secret);
        const answer = taken!.answer();
        expect(answer.status).toBe(200);
        expect(answer.headers.get("x-hook-secret")).toBe(secret);
      }),
    );
  });

  it("is no handshake for another method, with a signature, or with an empty, spaced or oversized value", () => {
    expect(asanaHookSecret(input("GET", { "x-hook-secret": "abc" }))).toBeUndefined();
    expect(asanaHookSecret(input("POST", { "x-hook-secret": "abc", "x-hook-signature": "00" }))).toBeUndefined();
    expect(asanaHookSecret(input("POST", {}))).toBeUndefined();
    for (const value of ["a b", "x".repeat(1025)]) expect(asanaHookSecret(input("POST", { "x-hook-secret": value })), value).toBeUndefined();
  });

  it("never throws on arbitrary header values and methods", () => {
    const headerValue = fc.stringMatching(/^[\x21-\x7e][\x20-\x7e]{0,300}$/);
    fc.assert(fc.property(fc.constantFrom("POST", "GET", "PUT", "HEAD"), headerValue, (method, value) => void asanaHookSecret(input(method, { "x-hook-secret": value }))));
  });
});

describe("notion: verification_token", () => {
  it("takes the token from a JSON object posted without X-Notion-Signature, whatever else the object holds", () => {
    fc.assert(
      fc.property(visible, fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }), (token, extra) => {
        const { verification_token: _drop, ...rest } = extra as Record<string, unknown>;
        const taken = notionVerificationToken(input("POST", { "content-type": "application/json" }, JSON.stringify({ ...rest, verification_token: token })));
        expect(taken?.secret).toBe(token);
        expect(taken!.answer().status).toBe(200);
      }),
    );
  });

  it("is no handshake when signed, not a POST, not an object, or the token is not a visible-ASCII string", () => {
    const token = JSON.stringify({ verification_token: "secret_abc" });
    expect(notionVerificationToken(input("POST", { "x-notion-signature": "sha256=00" }, token))).toBeUndefined();
    expect(notionVerificationToken(input("PUT", {}, token))).toBeUndefined();
    for (const body of ["", "[]", '"secret_abc"', '{"verification_token":1}', '{"verification_token":""}', '{"verification_token":"a b"}', '{"a":{"verification_token":"x"}}', `{"verification_token":"${"x".repeat(5000)}"}`]) {
      expect(notionVerificationToken(input("POST", {}, body)), body).toBeUndefined();
    }
  });

  it("never throws on arbitrary bodies, and takes only what was sent as the token", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
        const taken = notionVerificationToken(input("POST", {}, bytes));
        if (taken) expect(new TextDecoder().decode(bytes)).toContain(taken.secret);
      }),
    );
  });
});
