/**
 * The URL Twilio signed, rebuilt at the edge: as received, behind another proxy
 * (`publicUrl`), and with or without the gateway's own `?auth=` token. The signature is
 * Twilio's documented example (twilio-php RequestValidatorTest, also what twilio-node's
 * getExpectedTwilioSignature gives): auth token 12345, URL
 * https://mycompany.com/myapp.php?foo=1&bar=2 and these POST params.
 */
import { describe, expect, it } from "vitest";
import { call, mustPutRoute, useOrigin } from "../helpers";

const SIGNATURE = "RSOYDt4T1cUTdK1PDd93/VVr8B8=";
const BODY = new URLSearchParams({ CallSid: "CA1234567890ABCDE", Caller: "+14158675309", Digits: "1234", From: "+14158675309", To: "+18005551212" }).toString();
const twilio = (extra: Record<string, unknown> = {}) => ({ type: "provider", provider: "twilio", secrets: ["12345"], ...extra });

const post = (url: string) =>
  call(url, { method: "POST", headers: { "x-twilio-signature": SIGNATURE, "content-type": "application/x-www-form-urlencoded" }, body: BODY });

describe("the URL Twilio signed", () => {
  const origin = useOrigin();

  it("is the URL as received at the edge", async () => {
    await mustPutRoute({ id: "tw", host: "mycompany.com", path: "/myapp.php", origin: "http://origin.test", auth: { methods: [twilio()] } });
    expect((await post("https://mycompany.com/myapp.php?foo=1&bar=2")).status).toBe(200);
    // Another query, host or path than the one signed: refused.
    expect((await post("https://mycompany.com/myapp.php?foo=1&bar=3")).status).toBe(401);
    expect((await post("https://mycompany.com/myapp.php?bar=2&foo=1")).status).toBe(401);
    expect(origin.received).toHaveLength(1);
  });

  it("is `publicUrl` plus the query as received when the edge sees another host and path", async () => {
    const route = { id: "tw", host: "hooks.example.com", path: "/twilio", origin: "http://origin.test" };
    await mustPutRoute({ ...route, auth: { methods: [twilio({ publicUrl: "https://mycompany.com/myapp.php" })] } });
    expect((await post("https://hooks.example.com/twilio?foo=1&bar=2")).status).toBe(200);
    await mustPutRoute({ ...route, auth: { methods: [twilio()] } });
    expect((await post("https://hooks.example.com/twilio?foo=1&bar=2")).status).toBe(401);
  });

  it("includes or excludes the gateway's own token as the provider saw it, and never forwards it", async () => {
    const route = { id: "tw", host: "mycompany.com", path: "/myapp.php", origin: "http://origin.test" };
    const token = { type: "token", in: "query", secrets: ["gateway-token"] };
    // Twilio was given the URL without the token (something in front of the gateway adds it): exclude.
    await mustPutRoute({ ...route, auth: { methods: [token, twilio({ signedUrlToken: "exclude" })] } });
    expect((await post("https://mycompany.com/myapp.php?foo=1&auth=gateway-token&bar=2")).status).toBe(200);
    expect(origin.received.at(-1)!.url).toBe("http://origin.test/myapp.php?foo=1&bar=2");
    // Included (the default): the token would have to be part of what Twilio signed, and here it is not.
    await mustPutRoute({ ...route, auth: { methods: [token, twilio()] } });
    expect((await post("https://mycompany.com/myapp.php?foo=1&auth=gateway-token&bar=2")).status).toBe(401);
  });
});
