/**
 * The README's generic schemes, for providers without a preset: Lemon Squeezy (HMAC) and
 * Telnyx (Ed25519), configured by data alone. The engine under them is the one every
 * preset's SDK-made vectors exercise (providers.test.ts); here the point is the config.
 */
import { describe, expect, it } from "vitest";
import { parseRouteConfig } from "../../../src/config/parse";
import { bytesToBase64, bytesToHex, utf8 } from "../../../src/lib/encoding";
import { buildVerifier, type ResolvedMethod } from "../../../src/verify/build";

const NOW = 1_790_000_000_000;

async function verifierFrom(method: Record<string, unknown>, secrets: string[]) {
  const parsed = parseRouteConfig({ id: "g", host: "*", path: "/g", auth: { methods: [method] } });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.error));
  return buildVerifier({ ...parsed.value.auth.methods[0]!, secrets: secrets.map((value) => ({ value })) } as ResolvedMethod);
}

describe("generic schemes from the README", () => {
  it("Lemon Squeezy: hex HMAC-SHA256 of the body in X-Signature (https://docs.lemonsqueezy.com/help/webhooks/signing-requests)", async () => {
    const method = { type: "hmac", algorithm: "sha256", encoding: "hex", header: "X-Signature", payload: "{body}", secrets: ["signing secret"] };
    const v = await verifierFrom(method, ["signing secret"]);
    const body = utf8('{"meta":{"event_name":"order_created"},"data":{"id":"1"}}');
    const key = await crypto.subtle.importKey("raw", utf8("signing secret"), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    const sig = bytesToHex(new Uint8Array(await crypto.subtle.sign("HMAC", key, body)));
    const input = (s: string, b = body) => ({ method: "POST", url: new URL("https://h.example/g"), headers: new Headers({ "x-signature": s }), body: b, now: NOW });
    expect((await v.verify(input(sig))).ok).toBe(true);
    expect((await v.verify(input(sig, utf8('{"meta":{"event_name":"order_refunded"},"data":{"id":"1"}}')))).ok).toBe(false);
  });

  it("Telnyx: base64 Ed25519 of `timestamp|body` with a timestamp window (https://developers.telnyx.com/docs/messaging/messages/receiving-webhooks)", async () => {
    const pair = (await crypto.subtle.generateKey({ name: "Ed25519" }, true, ["sign", "verify"])) as CryptoKeyPair;
    const publicKey = bytesToBase64(new Uint8Array((await crypto.subtle.exportKey("raw", pair.publicKey)) as ArrayBuffer));
    const method = { type: "ed25519", header: "telnyx-signature-ed25519", payload: "{timestamp}|{body}", timestampHeader: "telnyx-timestamp", secrets: [publicKey] };
    const v = await verifierFrom(method, [publicKey]);
    const body = utf8('{"data":{"event_type":"message.received","id":"b301ed3f"}}');
    const ts = String(NOW / 1000);
    const sig = bytesToBase64(new Uint8Array(await crypto.subtle.sign("Ed25519", pair.privateKey, utf8(`${ts}|${new TextDecoder().decode(body)}`))));
    const input = (now = NOW, t = ts) => ({
      method: "POST",
      url: new URL("https://h.example/g"),
      headers: new Headers({ "telnyx-signature-ed25519": sig, "telnyx-timestamp": t }),
      body,
      now,
    });
    expect((await v.verify(input())).ok).toBe(true);
    expect(await v.verify(input(NOW + 301_000))).toEqual({ ok: false, reason: "stale_timestamp" });
    expect((await v.verify(input(NOW, String(NOW / 1000 + 1)))).ok).toBe(false);
  });

  it("an Ed25519 route whose key is not a 32-byte public key cannot be built (fails closed)", async () => {
    await expect(verifierFrom({ type: "ed25519", header: "x-sig", payload: "{body}", secrets: ["k"] }, ["bm90IGEga2V5"])).rejects.toThrow(/Ed25519/);
  });
});
