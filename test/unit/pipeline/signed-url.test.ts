/**
 * The URL Twilio, Square, HubSpot and Mandrill signed, rebuilt at the edge: as received,
 * behind another proxy (`publicUrl`), and with or without the gateway's own `?auth=` token.
 * Twilio's signature is its documented example (twilio-php RequestValidatorTest, also what
 * twilio-node's getExpectedTwilioSignature gives): auth token 12345, URL
 * https://mycompany.com/myapp.php?foo=1&bar=2 and these POST params. The others come from
 * test/vectors/providers.json (signed by @hubspot/api-client, checked by Square's SDK,
 * Mandrill's documented algorithm), sent through the whole worker here.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import vectors from "../../vectors/providers.json";
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

interface Vector {
  name: string;
  method: Record<string, unknown>;
  request: { method: string; url: string; headers: Record<string, string>; body: string };
  now: number;
}
const vector = (name: string) => (vectors as unknown as Vector[]).find((v) => v.name === name)!;

describe.each([
  "square: payment.created via publicUrl, gateway token signed",
  "mandrill: send event, signed over the public URL",
  "hubspot: v3 with the gateway token in the URL",
  "hubspot: v3 with escapes decoded in the signed URI",
])("the URL signed in %s", (name) => {
  const origin = useOrigin();
  const v = vector(name);
  const url = new URL(v.request.url);
  const route = { id: "signed", host: url.hostname, path: url.pathname, origin: "http://origin.test" };
  const token = { type: "token", in: "query", secrets: [url.searchParams.get("auth")!] };
  const send = () => call(v.request.url, { method: v.request.method, headers: v.request.headers, body: v.request.body });
  afterEach(() => void vi.useRealTimers());

  it("verifies through the worker with the gateway's token included, as the provider saw it, and forwards without the token", async () => {
    vi.useFakeTimers({ toFake: ["Date"], now: v.now });
    await mustPutRoute({ ...route, auth: { methods: [token, v.method] } });
    expect((await send()).status).toBe(200);
    const forwarded = new URL(origin.received[0]!.url);
    expect(forwarded.searchParams.has("auth")).toBe(false);
    expect(forwarded.search).toBe(url.search.replace(/[?&]auth=[^&]*/, "").replace(/^&/, "?"));
    expect(new TextDecoder().decode(origin.received[0]!.body)).toBe(v.request.body);
  });

  it("refuses it when the route says the provider never saw the token", async () => {
    vi.useFakeTimers({ toFake: ["Date"], now: v.now });
    await mustPutRoute({ ...route, auth: { methods: [token, { ...v.method, signedUrlToken: "exclude" }] } });
    expect((await send()).status).toBe(401);
    expect(origin.received).toHaveLength(0);
  });

  it.skipIf(v.method.publicUrl === undefined)("refuses it without publicUrl, since the edge saw another host", async () => {
    vi.useFakeTimers({ toFake: ["Date"], now: v.now });
    const { publicUrl: _, ...withoutPublicUrl } = v.method;
    await mustPutRoute({ ...route, auth: { methods: [token, withoutPublicUrl] } });
    expect((await send()).status).toBe(401);
  });
});
