/** The origin verifies the gateway's signature with the official standardwebhooks library. */
import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { originSigner, SigningKeyError } from "../../../src/delivery/attest";

const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const TARGET = { method: "POST", url: "https://app.example.com/hooks/stripe?x=1" };

describe("origin signing", () => {
  it("produces headers that standardwebhooks' Webhook.verify accepts", async () => {
    const signer = await originSigner([{ value: SECRET }]);
    const headers = new Headers();
    const body = '{"test": 2432232314}';
    await signer.sign(headers, "msg_p5jXN8AQM9LWM0D4loKWxJek", new TextEncoder().encode(body), Date.now(), TARGET);
    const verified = new Webhook(SECRET).verify(body, Object.fromEntries(headers));
    expect(verified).toEqual({ test: 2432232314 });
  });

  it("matches the Standard Webhooks spec's test vector", async () => {
    // spec/standard-webhooks.md and providers.md: id, timestamp 1614265330, body, signature
    const signer = await originSigner([{ value: SECRET }]);
    const headers = new Headers();
    await signer.sign(headers, "msg_p5jXN8AQM9LWM0D4loKWxJek", new TextEncoder().encode('{"test": 2432232314}'), 1614265330_000, TARGET);
    expect(headers.get("webhook-signature")).toBe("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
  });

  it("signs with every active secret during rotation, so either origin key verifies", async () => {
    const next = "whsec_" + btoa("n".repeat(32));
    const signer = await originSigner([{ value: SECRET }, { value: next }]);
    const headers = new Headers();
    await signer.sign(headers, "msg_1", new TextEncoder().encode("{}"), Date.now(), TARGET);
    expect(headers.get("webhook-signature")!.split(" ")).toHaveLength(2);
    for (const key of [SECRET, next]) expect(new Webhook(key).verify("{}", Object.fromEntries(headers))).toEqual({});
  });

  it("a tampered body fails the origin's check", async () => {
    const signer = await originSigner([{ value: SECRET }]);
    const headers = new Headers();
    await signer.sign(headers, "msg_1", new TextEncoder().encode('{"a":1}'), Date.now(), TARGET);
    expect(() => new Webhook(SECRET).verify('{"a":2}', Object.fromEntries(headers))).toThrow();
  });

  it("signs the method, path and query too, as README documents; another target fails the check", async () => {
    const signer = await originSigner([{ value: SECRET }]);
    const headers = new Headers();
    await signer.sign(headers, "msg_1", new TextEncoder().encode("{}"), 1614265330_000, TARGET);
    // What an origin does (README "Origin attestation"): HMAC-SHA256 over `id.timestamp.METHOD path?query`.
    const key = await crypto.subtle.importKey("raw", Uint8Array.from(atob(SECRET.slice(6)), (c) => c.charCodeAt(0)), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    const expected = async (target: string) =>
      `v1,${btoa(String.fromCharCode(...new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(`msg_1.1614265330.${target}`)))))}`;
    expect(headers.get("x-hookgate-url-signature")).toBe(await expected("POST /hooks/stripe?x=1"));
    for (const other of ["POST /hooks/stripe?x=2", "POST /hooks/other?x=1", "PUT /hooks/stripe?x=1", "POST /hooks/stripe"]) {
      expect(headers.get("x-hookgate-url-signature"), other).not.toBe(await expected(other));
    }
  });

  it("refuses secrets that are not whsec_ base64", async () => {
    await expect(originSigner([{ value: "whsec_!!" }])).rejects.toBeInstanceOf(SigningKeyError);
  });
});
