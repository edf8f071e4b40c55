/**
 * The checks LinkedIn, WooCommerce and Front make when a webhook is saved, as their presets
 * answer them (test/unit/pipeline/handshake.test.ts drives the same through the worker):
 * LinkedIn's unsigned GET challengeCode, answered with an HMAC that only the secret's holder
 * can compute and that can never pass as a delivery signature; WooCommerce's unsigned ping,
 * answered only when it is exactly that ping; Front's signed x-front-challenge, answered only
 * once the signature verified.
 */
import { describe, expect, it } from "vitest";
import { bytesToBase64, bytesToHex, utf8 } from "../../../src/lib/encoding";
import { presets } from "../../../src/verify/presets";
import type { SecretValue } from "../../../src/verify/secrets";
import type { Verifier, VerifyInput } from "../../../src/verify/types";

const SECRET = "linkedin-client-secret";
const NOW = 1_790_000_000_000;

async function hmac(key: string, data: string): Promise<Uint8Array> {
  const k = await crypto.subtle.importKey("raw", utf8(key), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return new Uint8Array(await crypto.subtle.sign("HMAC", k, utf8(data)));
}

const build = (provider: string, secrets: SecretValue[] = [{ value: SECRET }]) => presets[provider]!.build({ secrets, options: {}, url: {} });

function input(over: { method?: string; url?: string; headers?: Record<string, string>; body?: string; now?: number } = {}): VerifyInput {
  return {
    method: over.method ?? "POST",
    url: new URL(over.url ?? "https://hooks.example.com/hook"),
    headers: new Headers(over.headers ?? {}),
    body: utf8(over.body ?? ""),
    now: over.now ?? NOW,
  };
}

const validation = (v: Verifier, query: string) => v.handshake!.answer(input({ method: "GET", url: `https://hooks.example.com/linkedin?${query}` }));

describe("linkedin", () => {
  const CODE = "890e4665-4dfe-4ab1-b689-ed553bceeed0"; // LinkedIn's example

  it("answers GET ?challengeCode= with the code and hex HMAC-SHA256(clientSecret, code), as JSON", async () => {
    const answer = await validation(await build("linkedin"), `challengeCode=${CODE}`);
    expect(answer!.status).toBe(200);
    expect(answer!.headers.get("content-type")).toBe("application/json");
    expect(await answer!.json()).toEqual({ challengeCode: CODE, challengeResponse: bytesToHex(await hmac(SECRET, CODE)) });
  });

  it("answers parent-child apps' validation (applicationId) with the route's secret, and upper-case UUIDs as sent", async () => {
    const verifier = await build("linkedin");
    const answer = await validation(verifier, `challengeCode=${CODE}&applicationId=12345`);
    expect(((await answer!.json()) as { challengeResponse: string }).challengeResponse).toBe(bytesToHex(await hmac(SECRET, CODE)));
    const upper = CODE.toUpperCase();
    expect(await (await validation(verifier, `challengeCode=${upper}`))!.json()).toEqual({ challengeCode: upper, challengeResponse: bytesToHex(await hmac(SECRET, upper)) });
  });

  it("depends only on the code and the secret: another secret gives another answer; the first secret still valid answers", async () => {
    const other = await (await validation(await build("linkedin", [{ value: "another-secret" }]), `challengeCode=${CODE}`))!.json();
    expect(other).toEqual({ challengeCode: CODE, challengeResponse: bytesToHex(await hmac("another-secret", CODE)) });
    const rotated = await build("linkedin", [{ value: "expired", notAfter: Date.now() - 1000 }, { value: SECRET }]);
    expect(((await (await validation(rotated, `challengeCode=${CODE}`))!.json()) as { challengeResponse: string }).challengeResponse).toBe(bytesToHex(await hmac(SECRET, CODE)));
    const none = await build("linkedin", [{ value: SECRET, notAfter: Date.now() - 1000 }]);
    expect((await validation(none, `challengeCode=${CODE}`))!.status).toBe(503);
  });

  it("signs nothing but a UUID: a code that could be a signed message, or any other string, gets 400 and no HMAC", async () => {
    const verifier = await build("linkedin");
    const codes = ["", "abc", `hmacsha256=${CODE}`, `hmacsha256={"type":"x"}`, `${CODE} `, `${CODE}0`, CODE.replace(/-/g, ""), `{${CODE}}`, CODE.replace("8", "g"), "x".repeat(5000)];
    for (const code of codes) {
      const answer = await validation(verifier, `challengeCode=${encodeURIComponent(code)}`);
      expect(answer!.status, code).toBe(400);
      expect(await answer!.text()).not.toMatch(/[0-9a-f]{64}/);
    }
  });

  it("is not a handshake without challengeCode, or on another method", async () => {
    const verifier = await build("linkedin");
    expect(await validation(verifier, "challenge=abc")).toBeNull();
    expect(await verifier.handshake!.answer(input({ method: "POST", url: `https://hooks.example.com/linkedin?challengeCode=${CODE}` }))).toBeNull();
    expect(verifier.handshake!.methods).toEqual(["GET"]);
  });

  it("verifies X-LI-Signature: hex HMAC of hmacsha256= + body; refuses the other reading of LinkedIn's wording", async () => {
    const verifier = await build("linkedin");
    const body = '{"type":"ORGANIZATION_SOCIAL_ACTION_NOTIFICATIONS","notifications":[]}';
    const ours = bytesToHex(await hmac(SECRET, `hmacsha256=${body}`));
    expect(await verifier.verify(input({ body, headers: { "x-li-signature": ours } }))).toEqual({ ok: true });
    expect(await verifier.verify(input({ body, headers: { "x-li-signature": ours.toUpperCase() } }))).toEqual({ ok: true });
    // `hmacsha256=<hex of the body>` (prefix in the header, body alone signed) is not what LinkedIn sends.
    const otherReading = `hmacsha256=${bytesToHex(await hmac(SECRET, body))}`;
    expect((await verifier.verify(input({ body, headers: { "x-li-signature": otherReading } }))).ok).toBe(false);
    expect((await verifier.verify(input({ body, headers: { "x-li-signature": bytesToHex(await hmac(SECRET, body)) } }))).ok).toBe(false);
    expect(await verifier.verify(input({ body }))).toEqual({ ok: false, reason: "missing_signature" });
  });

  it("never hands out a delivery signature: a validation answer passes as X-LI-Signature for no body", async () => {
    const verifier = await build("linkedin");
    for (const code of [CODE, crypto.randomUUID()]) {
      const { challengeResponse } = (await (await validation(verifier, `challengeCode=${code}`))!.json()) as { challengeResponse: string };
      // The bodies an attacker would try: the code itself, and the code without the prefix LinkedIn signs.
      for (const body of [code, code.slice("hmacsha256=".length), `hmacsha256=${code}`]) {
        expect((await verifier.verify(input({ body, headers: { "x-li-signature": challengeResponse } }))).ok, body).toBe(false);
      }
    }
  });
});

describe("woocommerce: the creation ping", () => {
  const FORM = "application/x-www-form-urlencoded";
  const ping = (body: string, headers: Record<string, string> = { "content-type": FORM }, method = "POST") => input({ method, body, headers });

  it("answers exactly `webhook_id=<digits>`, form-encoded and unsigned, with an empty 200", async () => {
    const verifier = await build("woocommerce");
    for (const type of [FORM, `${FORM}; charset=UTF-8`, "Application/X-WWW-Form-Urlencoded"]) {
      for (const body of ["webhook_id=1", "webhook_id=42", `webhook_id=${"9".repeat(20)}`]) {
        const answer = await verifier.testRequest!(ping(body, { "content-type": type, "user-agent": "WooCommerce/9.8.5 Hookshot (WordPress/6.8.1)" }));
        expect(answer?.status, `${type} ${body}`).toBe(200);
        expect(await answer!.text()).toBe("");
        expect(answer!.headers.get("x-hookgate-handshake")).toBe("true");
      }
    }
  });

  it("answers nothing else: another body, type, method, or any signature header; that falls to the signature check", async () => {
    const verifier = await build("woocommerce");
    const bodies = ["", "webhook_id=", "webhook_id=12a", "webhook_id=-1", "webhook_id=+1", "webhook_id=1.5", "webhook_id=1&x=2", "x=2&webhook_id=1", " webhook_id=1", "webhook_id=1 ", "webhook_id=1\n", "webhook_id=%31", "webhook_id[]=1", "Webhook_id=1", "id=1", `webhook_id=${"9".repeat(21)}`, '{"webhook_id":1}', "webhook_id=١"];
    for (const body of bodies) {
      expect(await verifier.testRequest!(ping(body)), JSON.stringify(body)).toBeNull();
      expect((await verifier.verify(ping(body))).ok).toBe(false);
    }
    for (const headers of [{} as Record<string, string>, { "content-type": "application/json" }, { "content-type": "text/plain" }, { "content-type": `multipart/form-data; boundary=x` }]) {
      expect(await verifier.testRequest!(ping("webhook_id=1", headers)), JSON.stringify(headers)).toBeNull();
    }
    for (const method of ["GET", "PUT", "PATCH", "DELETE"]) expect(await verifier.testRequest!(ping("webhook_id=1", { "content-type": FORM }, method))).toBeNull();
    // Any signature header, right or wrong, makes it a delivery to verify, never a ping.
    const right = bytesToBase64(await hmac(SECRET, "webhook_id=1"));
    for (const signature of ["", "bogus", right]) {
      expect(await verifier.testRequest!(ping("webhook_id=1", { "content-type": FORM, "x-wc-webhook-signature": signature }))).toBeNull();
    }
    expect(await verifier.verify(ping("webhook_id=1", { "content-type": FORM, "x-wc-webhook-signature": right }))).toEqual({ ok: true });
  });

  it("the ping itself never verifies (it is answered, never marked verified)", async () => {
    expect(await (await build("woocommerce")).verify(ping("webhook_id=42"))).toEqual({ ok: false, reason: "missing_signature" });
  });
});

describe("front: the signed x-front-challenge", () => {
  const SYNC = JSON.stringify({ type: "sync", authorization: { id: "cmp_abc" } });
  const signed = async (body: string, extra: Record<string, string> = {}, secret = SECRET, timestamp = String(NOW)) => ({
    "content-type": "application/json",
    "x-front-request-timestamp": timestamp,
    "x-front-signature": bytesToBase64(await hmac(secret, `${timestamp}:${body}`)),
    ...extra,
  });
  /** What the pipeline does: reply only when every verifier passed. */
  async function answer(v: Verifier, req: VerifyInput): Promise<Response | null | "refused"> {
    return (await v.verify(req)).ok ? v.reply!(req) : "refused";
  }

  it("answers the signed validation with {\"challenge\": <x-front-challenge>} as JSON", async () => {
    const verifier = await build("front");
    const res = await answer(verifier, input({ body: SYNC, headers: await signed(SYNC, { "x-front-challenge": "k3N1-challenge" }) }));
    expect(res).not.toBe("refused");
    expect((res as Response).status).toBe(200);
    expect((res as Response).headers.get("content-type")).toBe("application/json");
    expect(await (res as Response).json()).toEqual({ challenge: "k3N1-challenge" });
  });

  it("refuses the challenge without a valid signature: none, another key, a changed body, a stale timestamp", async () => {
    const verifier = await build("front");
    const challenge = { "x-front-challenge": "k3N1-challenge" };
    const cases = [
      { body: SYNC, headers: { "content-type": "application/json", "x-front-request-timestamp": String(NOW), ...challenge } },
      { body: SYNC, headers: await signed(SYNC, challenge, "not-the-signing-key") },
      { body: SYNC.replace("cmp_abc", "cmp_abd"), headers: await signed(SYNC, challenge) },
      { body: SYNC, headers: await signed(SYNC, challenge, SECRET, String(NOW - 301_000)) },
      { body: "", headers: { ...challenge } },
    ];
    for (const c of cases) expect(await answer(verifier, input(c))).toBe("refused");
  });

  it("forwards a signed event without the header; refuses an empty or oversized challenge", async () => {
    const verifier = await build("front");
    const event = JSON.stringify({ type: "inbound_received", payload: {} });
    expect(await answer(verifier, input({ body: event, headers: await signed(event) }))).toBeNull();
    for (const value of ["", "x".repeat(2049)]) {
      const res = await answer(verifier, input({ body: SYNC, headers: await signed(SYNC, { "x-front-challenge": value }) }));
      expect((res as Response).status).toBe(400);
    }
  });
});
