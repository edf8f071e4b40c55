/**
 * Adyen's standard webhooks sign eight fields of each notification item, not the body: each
 * signed field is protected, the other fields are not (the origin must not trust them), every
 * item must be signed, a `:` may not move the field boundaries, and every way of breaking a
 * body has its reason, never an exception. The SDK-signed vectors and their generic negatives
 * are in providers.test.ts; the SDK itself checks them in test/node/provider-vectors.test.ts.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import vectors from "../../vectors/providers.json";
import { bytesToBase64, hexToBytes, utf8 } from "../../../src/lib/encoding";
import { SchemeConfigError } from "../../../src/verify/keys";
import { presets } from "../../../src/verify/presets";
import { MAX_ADYEN_ITEMS, readNotification } from "../../../src/verify/presets/adyen";
import type { SecretValue } from "../../../src/verify/secrets";

type Item = Record<string, unknown> & { additionalData: Record<string, unknown>; amount?: Record<string, unknown> };
interface Vector {
  name: string;
  method: { secrets: string[] };
  request: { body: string };
  now: number;
}
const vectorOf = (name: string) => (vectors as unknown as Vector[]).find((v) => v.name === name)!;
const itemsOf = (body: string) => (JSON.parse(body) as { notificationItems: { NotificationRequestItem: Item }[] }).notificationItems.map((w) => w.NotificationRequestItem);
const bodyOf = (items: unknown[]) => JSON.stringify({ live: "false", notificationItems: items.map((i) => ({ NotificationRequestItem: i })) });
const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

const authorisation = vectorOf("adyen: AUTHORISATION");
const refund = vectorOf("adyen: REFUND with originalReference, signed by the second key (rotation)");
const KEY = authorisation.method.secrets[0]!;

async function check(body: string | Uint8Array, secrets: readonly SecretValue[] = [{ value: KEY }], now = authorisation.now) {
  const verifier = await presets.adyen!.build({ secrets, options: {}, url: {} });
  return verifier.verify({ method: "POST", url: new URL("https://hooks.example.com/adyen"), headers: new Headers(), body: typeof body === "string" ? utf8(body) : body, now });
}

/** Adyen's algorithm, written again here with WebCrypto: what the docs and the SDK compute. */
async function sign(hexKey: string, item: Item): Promise<Item> {
  const amount = item.amount ?? {};
  const data = [item.pspReference, item.originalReference, item.merchantAccountCode, item.merchantReference, amount.value, amount.currency, item.eventCode, item.success].map((v) => (v === undefined || v === null ? "" : String(v))).join(":");
  const key = await crypto.subtle.importKey("raw", hexToBytes(hexKey)!, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, utf8(data)));
  return { ...item, additionalData: { ...item.additionalData, hmacSignature: bytesToBase64(mac) } };
}

describe("what Adyen signs", () => {
  const [item] = itemsOf(authorisation.request.body) as [Item];

  it("our signed string is the vector's (signed by @adyen/api-library)", async () => {
    expect((await sign(KEY, item)).additionalData.hmacSignature).toBe(item.additionalData.hmacSignature);
  });

  it("each of the eight signed fields is protected", async () => {
    const changes: ((i: Item) => void)[] = [
      (i) => (i.pspReference = "QFQTPCQ8HXSKGK83"),
      (i) => (i.originalReference = "QFQTPCQ8HXSKGK82"),
      (i) => (i.merchantAccountCode = "AnotherMerchantECOM"),
      (i) => (i.merchantReference = "order-2026-0043"),
      (i) => (i.amount!.value = 1131),
      (i) => (i.amount!.currency = "USD"),
      (i) => (i.eventCode = "CAPTURE"),
      (i) => (i.success = "false"),
      (i) => delete i.amount,
    ];
    for (const change of changes) {
      const changed = clone(item);
      change(changed);
      expect(await check(bodyOf([changed])), String(change)).toEqual({ ok: false, reason: "signature_mismatch" });
    }
  });

  it("the other fields are not: eventDate, reason, paymentMethod, operations, live and additionalData pass changed", async () => {
    const changed = { ...clone(item), eventDate: "2020-01-01T00:00:00+00:00", reason: "other", paymentMethod: "mc", operations: [], additionalData: { ...item.additionalData, authCode: "999999" } };
    const body = JSON.parse(bodyOf([changed])) as Record<string, unknown>;
    body.live = "true";
    expect(await check(JSON.stringify(body))).toEqual({ ok: true, eventId: "QFQTPCQ8HXSKGK82:AUTHORISATION:true" });
  });

  it("a `:` cannot move a field boundary: only merchantReference may hold one", async () => {
    // The refund's reference "refund:order-2026-0042" re-split as account "…ECOM:refund", reference "order-2026-0042": the same signed string.
    const [r] = itemsOf(refund.request.body) as [Item];
    const shifted = { ...clone(r), merchantAccountCode: `${String(r.merchantAccountCode)}:refund`, merchantReference: "order-2026-0042" };
    const secrets = refund.method.secrets.map((value) => ({ value }));
    expect(await check(refund.request.body, secrets)).toEqual({ ok: true, eventId: "V4HZ4RBFJGXXGN82:REFUND:false" });
    expect(await check(bodyOf([shifted]), secrets)).toEqual({ ok: false, reason: "malformed_body" });
    for (const field of ["pspReference", "originalReference", "merchantAccountCode", "eventCode", "success"]) {
      expect(await check(bodyOf([await sign(KEY, { ...clone(item), [field]: "a:b" })])), field).toEqual({ ok: false, reason: "malformed_body" });
    }
    expect(await check(bodyOf([await sign(KEY, { ...clone(item), amount: { value: 1130, currency: "E:R" } })]))).toEqual({ ok: false, reason: "malformed_body" });
    expect(await check(bodyOf([await sign(KEY, { ...clone(item), merchantReference: "a:b:c" })]))).toMatchObject({ ok: true });
  });

  it("renders what Adyen may send: a missing originalReference or amount as empty, a boolean success as text", async () => {
    const { amount: _, ...noAmount } = clone(item);
    for (const variant of [{ ...clone(item), success: true }, { ...clone(item), originalReference: null }, noAmount, { ...clone(item), amount: { value: 0 } }, { ...clone(item), merchantReference: "" }]) {
      const result = await check(bodyOf([await sign(KEY, variant as Item)]));
      expect(result, JSON.stringify(variant)).toEqual({ ok: true, eventId: "QFQTPCQ8HXSKGK82:AUTHORISATION:true" });
    }
  });
});

describe("every item, each under any of the route's keys", () => {
  const batch = vectorOf("adyen: two items, each under another of the route's keys");
  const secrets = batch.method.secrets.map((value) => ({ value }));
  const items = itemsOf(batch.request.body);

  it("verifies the batch and hands on each item's id", async () => {
    expect(await check(batch.request.body, secrets)).toEqual({ ok: true, eventId: "QFQTPCQ8HXSKGK82:AUTHORISATION:true PPKFQ89R6QRXGN82:CAPTURE:true" });
  });

  it("refuses it when one item is unsigned, wrongly signed, or signed by a key the route does not hold", async () => {
    const unsigned = clone(items);
    delete unsigned[1]!.additionalData.hmacSignature;
    expect(await check(bodyOf(unsigned), secrets)).toEqual({ ok: false, reason: "missing_signature" });
    const wrong = clone(items);
    wrong[1]!.additionalData.hmacSignature = items[0]!.additionalData.hmacSignature;
    expect(await check(bodyOf(wrong), secrets)).toEqual({ ok: false, reason: "signature_mismatch" });
    expect(await check(batch.request.body, [secrets[0]!])).toEqual({ ok: false, reason: "signature_mismatch" });
    expect(await check(batch.request.body, [secrets[1]!])).toEqual({ ok: false, reason: "signature_mismatch" });
  });

  it("a key past its notAfter no longer counts; none left is no_active_secret", async () => {
    const now = batch.now;
    expect(await check(batch.request.body, [{ value: secrets[0]!.value, notAfter: now - 1 }, secrets[1]!], now)).toEqual({ ok: false, reason: "signature_mismatch" });
    expect(await check(batch.request.body, [{ value: secrets[0]!.value, notAfter: now - 1 }], now)).toEqual({ ok: false, reason: "no_active_secret" });
  });

  it(`takes up to ${MAX_ADYEN_ITEMS} items, refuses more before any HMAC`, async () => {
    const one = itemsOf(authorisation.request.body)[0]!;
    const many = (n: number) => bodyOf(Array.from({ length: n }, () => one));
    const result = await check(many(MAX_ADYEN_ITEMS));
    expect(result.ok && result.eventId?.split(" ").length).toBe(MAX_ADYEN_ITEMS);
    expect(await check(many(MAX_ADYEN_ITEMS + 1))).toEqual({ ok: false, reason: "malformed_body" });
  });
});

describe("refusals, each with its reason", () => {
  const [item] = itemsOf(authorisation.request.body) as [Item];
  const withItem = (change: (i: Item) => unknown) => {
    const i = clone(item);
    change(i);
    return bodyOf([i]);
  };

  it.each([
    ["not JSON", "{", "malformed_body"],
    ["not UTF-8", new Uint8Array([0x7b, 0xff, 0x7d]), "malformed_body"],
    ["an array", "[]", "malformed_body"],
    ["no notificationItems", '{"live":"false"}', "malformed_body"],
    ["notificationItems not an array", '{"notificationItems":{}}', "malformed_body"],
    ["no items", '{"live":"false","notificationItems":[]}', "missing_signature"],
    ["an item that is not an object", '{"notificationItems":[1]}', "malformed_body"],
    ["an item without NotificationRequestItem", '{"notificationItems":[{"notificationRequestItem":{}}]}', "malformed_body"],
    ["no pspReference", withItem((i) => delete i.pspReference), "malformed_body"],
    ["no eventCode", withItem((i) => (i.eventCode = "")), "malformed_body"],
    ["a number where a string is signed", withItem((i) => (i.merchantReference = 42)), "malformed_body"],
    ["amount not an object", withItem((i) => ((i as Record<string, unknown>).amount = 1130)), "malformed_body"],
    ["amount.value a string", withItem((i) => (i.amount!.value = "1130")), "malformed_body"],
    ["amount.value not an integer", withItem((i) => (i.amount!.value = 11.3)), "malformed_body"],
    ["amount.value beyond 2^53", withItem((i) => (i.amount!.value = 2 ** 60)), "malformed_body"],
    ["additionalData not an object", withItem((i) => (i.additionalData = [] as never)), "malformed_body"],
    ["no additionalData", withItem((i) => delete (i as Partial<Item>).additionalData), "missing_signature"],
    ["no hmacSignature", withItem((i) => delete i.additionalData.hmacSignature), "missing_signature"],
    ["an empty hmacSignature", withItem((i) => (i.additionalData.hmacSignature = "")), "missing_signature"],
    ["hmacSignature not a string", withItem((i) => (i.additionalData.hmacSignature = 7)), "malformed_signature"],
    ["hmacSignature not base64", withItem((i) => (i.additionalData.hmacSignature = "not base64!")), "malformed_signature"],
    ["hmacSignature of 33 bytes", withItem((i) => (i.additionalData.hmacSignature = "A".repeat(44))), "malformed_signature"],
    ["hmacSignature hex", withItem((i) => (i.additionalData.hmacSignature = "ab".repeat(32))), "malformed_signature"],
    ["another key's signature", withItem((i) => (i.additionalData.hmacSignature = bytesToBase64(new Uint8Array(32)))), "signature_mismatch"],
  ] as const)("%s: %s", async (_, body, reason) => {
    expect(await check(body)).toEqual({ ok: false, reason });
  });

  it("a key that is not hex (or empty) is refused when the route is built, not at request time", async () => {
    for (const value of ["not-hex", "ABC", "", "zz".repeat(32)]) {
      await expect(presets.adyen!.build({ secrets: [{ value }], options: {}, url: {} }), value).rejects.toThrow(SchemeConfigError);
    }
  });
});

describe("untrusted input", () => {
  const [item] = itemsOf(authorisation.request.body) as [Item];
  const fieldValue = fc.oneof(fc.string({ maxLength: 20 }), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.jsonValue({ maxDepth: 2 }));
  const itemLike = fc.dictionary(
    fc.constantFrom("pspReference", "originalReference", "merchantAccountCode", "merchantReference", "amount", "eventCode", "success", "additionalData", "__proto__", "constructor"),
    fc.oneof(fieldValue, fc.record({ value: fieldValue, currency: fieldValue }), fc.record({ hmacSignature: fc.oneof(fieldValue, fc.base64String({ minLength: 44, maxLength: 44 })) })),
  );
  const parsedBodies = fc.oneof(
    fc.array(fc.oneof(itemLike.map((i) => ({ NotificationRequestItem: i })), fc.jsonValue({ maxDepth: 2 })), { maxLength: 5 }).map((items) => ({ notificationItems: items })),
    fc.record({ notificationItems: fc.jsonValue({ maxDepth: 3 }) }),
  );
  const bodies = fc.oneof(
    fc.uint8Array({ maxLength: 300 }),
    fc.json().map((t) => utf8(t)),
    parsedBodies.map((b) => utf8(JSON.stringify(b))),
  );

  it("any body: a verdict with a reason, never an exception, never a pass without the key", async () => {
    await fc.assert(
      fc.asyncProperty(bodies, async (body) => {
        const r = await check(body);
        expect(r.ok).toBe(false);
        if (!r.ok) expect(typeof r.reason).toBe("string");
      }),
      { numRuns: 400 },
    );
  });

  it("the parser returns items or a reason for any JSON value", () => {
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), parsedBodies), (value) => {
        const r = readNotification(value);
        expect(Array.isArray(r) || typeof r === "string").toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  it("any one character of a signed item changed (still JSON): refused", async () => {
    const body = authorisation.request.body;
    await fc.assert(
      fc.asyncProperty(fc.nat(body.length - 1), fc.constantFrom(..."0123456789ABCDEFabcdef:\"{}[],"), async (at, char) => {
        if (body[at] === char) return;
        const changed = body.slice(0, at) + char + body.slice(at + 1);
        let parsed: unknown;
        try {
          parsed = JSON.parse(changed);
        } catch {
          expect(await check(changed)).toEqual({ ok: false, reason: "malformed_body" });
          return;
        }
        const r = await check(changed);
        // Only a change the signature does not cover may pass, and then the eight signed fields are as signed.
        if (r.ok) {
          const [was] = itemsOf(body) as [Item];
          const [now] = (parsed as { notificationItems: { NotificationRequestItem: Item }[] }).notificationItems.map((w) => w.NotificationRequestItem) as [Item];
          for (const f of ["pspReference", "originalReference", "merchantAccountCode", "merchantReference", "eventCode", "success"]) expect(now[f], f).toEqual(was[f]);
          expect(now.amount).toEqual(was.amount);
        }
      }),
      { numRuns: 500 },
    );
  });

  it("items of random signed fields, signed per Adyen's algorithm, verify with their id; any one field changed does not", async () => {
    const noColon = fc.string({ maxLength: 24 }).filter((s) => !s.includes(":"));
    const signedFields = fc.record({
      pspReference: noColon.filter((s) => s !== ""),
      originalReference: fc.option(noColon, { nil: undefined }),
      merchantAccountCode: noColon,
      merchantReference: fc.string({ maxLength: 24 }),
      amount: fc.record({ value: fc.integer({ min: -1e12, max: 1e12 }), currency: noColon }),
      eventCode: noColon.filter((s) => s !== ""),
      success: fc.constantFrom("true", "false"),
    });
    await fc.assert(
      fc.asyncProperty(signedFields, fc.constantFrom("pspReference", "merchantReference", "eventCode", "value"), async (fields, which) => {
        const signed = await sign(KEY, { ...clone(item), ...fields, additionalData: {} } as Item);
        expect(await check(bodyOf([signed]))).toEqual({ ok: true, eventId: `${fields.pspReference}:${fields.eventCode}:${fields.success}` });
        const changed = clone(signed);
        if (which === "value") changed.amount!.value = fields.amount.value + 1;
        else changed[which] = `${String(changed[which])}x`;
        expect(await check(bodyOf([changed]))).toEqual({ ok: false, reason: "signature_mismatch" });
      }),
      { numRuns: 150 },
    );
  });
});
