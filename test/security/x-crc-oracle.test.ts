/**
 * X's CRC is an unsigned GET answered with base64(HMAC(consumer secret, crc_token)): exactly
 * the `x-twitter-webhooks-signature` of a body equal to the token. A stranger must not be able
 * to turn that answer into a verified delivery.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { startsLikeJsonObject } from "../../src/verify/handshakes";
import { BASE, call, mustPutRoute, useOrigin } from "../unit/helpers";

const SECRET = "x-consumer-secret";
const route = { id: "x-crc", host: "hooks.example.com", path: "/x-crc", origin: "http://origin.test", auth: { methods: [{ type: "provider", provider: "x", secrets: [SECRET] }] } };

async function crc(token: string): Promise<Response> {
  return call(`${BASE}/x-crc?crc_token=${encodeURIComponent(token)}`);
}

async function sign(body: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(SECRET), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(body)));
  return `sha256=${btoa(String.fromCharCode(...mac))}`;
}

describe("X CRC is not a signing oracle", () => {
  const origin = useOrigin();

  it("refuses to answer a CRC whose token starts like a JSON object (as X's deliveries do)", async () => {
    await mustPutRoute(route);
    for (const token of ['{"for_user_id":"1","tweet_create_events":[]}', ' \n\t{"a":1}', "{"]) {
      const res = await crc(token);
      expect(res.status, token).toBe(400);
      expect(await res.text()).not.toContain("sha256=");
    }
    expect(origin.received).toHaveLength(0);
  });

  it("a CRC answer for a non-object token is useless as a delivery signature: refused as malformed_body", async () => {
    await mustPutRoute(route);
    for (const body of ["[1,2,3]", '"text"', "12345", "true", "plain words"]) {
      const answer = (await (await crc(body)).json()) as { response_token: string };
      expect(answer.response_token).toBe(await sign(body));
      const post = await call(`${BASE}/x-crc`, { method: "POST", headers: { "content-type": "application/json", "x-twitter-webhooks-signature": answer.response_token }, body });
      expect(post.status, body).toBe(401);
    }
    expect(origin.received).toHaveLength(0);
  });

  it("genuine deliveries (JSON objects, leading whitespace allowed) still pass", async () => {
    await mustPutRoute(route);
    for (const body of ['{"for_user_id":"2244994945","tweet_create_events":[]}', '\n  {"for_user_id":"1"}']) {
      const post = await call(`${BASE}/x-crc`, { method: "POST", headers: { "content-type": "application/json", "x-twitter-webhooks-signature": await sign(body) }, body });
      expect(post.status, body).toBe(200);
    }
    expect(origin.received).toHaveLength(2);
  });

  it("property: for any text JSON parses, the check says object exactly when JSON.parse gives an object", () => {
    const ws = fc.array(fc.constantFrom(" ", "\t", "\n", "\r"), { maxLength: 4 }).map((a) => a.join(""));
    fc.assert(
      fc.property(ws, fc.oneof(fc.json(), fc.string()), ws, (before, text, after) => {
        const candidate = before + text + after;
        let parsed: unknown;
        try {
          parsed = JSON.parse(candidate);
        } catch {
          return; // not JSON: nothing an origin would take as an event
        }
        const isObject = typeof parsed === "object" && parsed !== null && !Array.isArray(parsed);
        expect(startsLikeJsonObject(candidate)).toBe(isObject);
      }),
      { numRuns: 2000 },
    );
  });
});
