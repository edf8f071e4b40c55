/** monday.com's create-time challenge: answered at the edge only when the body is exactly `{"challenge": <short string>}`. */
import { describe, expect, it } from "vitest";
import { presets } from "../../../src/verify/presets";

const build = () => presets.monday!.build({ secrets: [{ value: "s" }], options: { audience: "https://hooks.example.com/monday" }, url: {} });
const request = (body: string, method = "POST") => ({ method, url: new URL("https://hooks.example.com/monday"), headers: new Headers(), body: new TextEncoder().encode(body), now: Date.now() });

describe("monday challenge", () => {
  it("echoes the challenge as JSON", async () => {
    const answer = await (await build()).testRequest!(request('{"challenge":"abc"}'));
    expect(answer?.status).toBe(200);
    expect(await answer!.json()).toEqual({ challenge: "abc" });
  });

  it("answers nothing else: extra fields, a non-string, an empty or long challenge, another method, bad JSON", async () => {
    const verifier = await build();
    for (const body of ['{"challenge":"abc","event":{}}', '{"challenge":1}', '{"challenge":""}', `{"challenge":"${"a".repeat(257)}"}`, "[]", "{", ""]) {
      expect(await verifier.testRequest!(request(body)), body).toBeNull();
    }
    expect(await verifier.testRequest!(request('{"challenge":"abc"}', "PUT"))).toBeNull();
    // Without the challenge shape the token is required, and there is none.
    expect(await verifier.verify(request('{"event":{}}'))).toEqual({ ok: false, reason: "missing_signature" });
  });
});
