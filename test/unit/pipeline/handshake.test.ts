/**
 * Handshakes through the real worker: answered at the edge, never forwarded, never
 * answered for a request that failed its check, and other methods still refused.
 */
import { describe, expect, it } from "vitest";
import { BASE, call, mustPutRoute, useOrigin } from "../helpers";

const route = (id: string, method: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  id,
  host: "hooks.example.com",
  path: `/${id}`,
  origin: "http://origin.test",
  auth: { methods: [method] },
  ...extra,
});

describe("handshakes at the edge", () => {
  const origin = useOrigin();

  it("answers Meta's subscription GET with the challenge as text/plain, and 403 for a wrong verify token", async () => {
    await mustPutRoute(route("meta", { type: "provider", provider: "meta", secrets: ["app-secret"], verifyToken: "my-verify-token" }));
    const ok = await call(`${BASE}/meta?hub.mode=subscribe&hub.verify_token=my-verify-token&hub.challenge=1158201444`);
    expect(ok.status).toBe(200);
    expect(ok.headers.get("content-type")).toContain("text/plain");
    expect(ok.headers.get("x-content-type-options")).toBe("nosniff");
    expect(await ok.text()).toBe("1158201444");

    for (const query of ["hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=1", "hub.mode=subscribe&hub.challenge=1", "hub.mode=unsubscribe&hub.verify_token=my-verify-token&hub.challenge=1"]) {
      const res = await call(`${BASE}/meta?${query}`);
      expect(res.status, query).toBe(403);
      expect(await res.text()).not.toContain("1");
    }
    // A GET that is not a handshake is an unsigned request like any other.
    expect((await call(`${BASE}/meta`)).status).toBe(401);
    // Handshake methods are let in; others still are not.
    expect((await call(`${BASE}/meta`, { method: "PUT", body: "x" })).status).toBe(405);
    expect(origin.received).toHaveLength(0);
  });

  it("answers Mandrill's HEAD check with 200 and nothing else", async () => {
    await mustPutRoute(route("mandrill", { type: "provider", provider: "mandrill", secrets: ["key"] }));
    const res = await call(`${BASE}/mandrill`, { method: "HEAD" });
    expect(res.status).toBe(200);
    expect((await call(`${BASE}/mandrill`, { method: "GET" })).status).toBe(405);
    expect(origin.received).toHaveLength(0);
  });

  it("echoes Microsoft Graph's validationToken (URL-decoded, text/plain) and refuses an unauthenticated notification", async () => {
    await mustPutRoute(route("graph", { type: "provider", provider: "msgraph", secrets: ["client-state-secret"] }));
    const res = await call(`${BASE}/graph?validationToken=Validation%3A%20Testing%20client%20application%20reachability`, { method: "POST" });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/plain");
    expect(await res.text()).toBe("Validation: Testing client application reachability");

    const forged = await call(`${BASE}/graph`, { method: "POST", body: JSON.stringify({ value: [{ clientState: "guess", resource: "users" }] }) });
    expect(forged.status).toBe(401);
    const genuine = await call(`${BASE}/graph`, { method: "POST", body: JSON.stringify({ value: [{ clientState: "client-state-secret", resource: "users" }] }) });
    expect(genuine.status).toBe(200);
    expect(origin.received).toHaveLength(1);
  });

  it("echoes Dropbox's challenge with nosniff", async () => {
    await mustPutRoute(route("dropbox", { type: "provider", provider: "dropbox", secrets: ["app-secret"] }));
    const res = await call(`${BASE}/dropbox?challenge=abc123`);
    expect(res.status).toBe(200);
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(await res.text()).toBe("abc123");
    expect((await call(`${BASE}/dropbox?challenge=${"x".repeat(3000)}`)).status).toBe(400);
    expect(origin.received).toHaveLength(0);
  });

  it("answers Okta's one-time verification GET", async () => {
    await mustPutRoute(route("okta", { type: "provider", provider: "okta", secrets: ["okta-shared-secret"] }));
    const res = await call(`${BASE}/okta`, { headers: { "x-okta-verification-challenge": "fzdcs0vPQ1QGxcyRBMgIhxqX1jO" } });
    expect(await res.json()).toEqual({ verification: "fzdcs0vPQ1QGxcyRBMgIhxqX1jO" });
    // Deliveries need the shared secret, which is not forwarded.
    expect((await call(`${BASE}/okta`, { method: "POST", body: "{}" })).status).toBe(401);
    const ok = await call(`${BASE}/okta`, { method: "POST", body: "{}", headers: { authorization: "okta-shared-secret" } });
    expect(ok.status).toBe(200);
    expect(origin.received[0]!.headers.get("authorization")).toBeNull();
  });

  it("answers Mailchimp's validation GET only with the URL token", async () => {
    await mustPutRoute(route("mailchimp", { type: "provider", provider: "mailchimp", secrets: ["url-token"] }));
    expect((await call(`${BASE}/mailchimp`)).status).toBe(401);
    expect((await call(`${BASE}/mailchimp?auth=wrong`)).status).toBe(401);
    const ok = await call(`${BASE}/mailchimp?auth=url-token`);
    expect(ok.status).toBe(200);
    expect(origin.received).toHaveLength(0);
    const post = await call(`${BASE}/mailchimp?auth=url-token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "type=subscribe&fired_at=2009-03-26+21%3A35%3A57&data%5Bemail%5D=api%40mailchimp.com",
    });
    expect(post.status).toBe(200);
    expect(origin.received).toHaveLength(1);
    expect(new URL(origin.received[0]!.url).searchParams.has("auth")).toBe(false);
  });

  it("answers X's CRC with an HMAC of the token, and Zoom-style signed handshakes never without a valid signature", async () => {
    await mustPutRoute(route("x", { type: "provider", provider: "x", secrets: ["consumer-secret"] }));
    const res = await call(`${BASE}/x?crc_token=challenge-token`);
    const body = (await res.json()) as { response_token: string };
    expect(body.response_token).toMatch(/^sha256=[A-Za-z0-9+/]{43}=$/);

    await mustPutRoute(route("zoom", { type: "provider", provider: "zoom", secrets: ["zoom-secret"] }));
    const forged = await call(`${BASE}/zoom`, {
      method: "POST",
      headers: { "x-zm-signature": `v0=${"0".repeat(64)}`, "x-zm-request-timestamp": String(Math.floor(Date.now() / 1000)) },
      body: JSON.stringify({ event: "endpoint.url_validation", payload: { plainToken: "qgg8vlvZRS6UYooatFL8Aw" } }),
    });
    expect(forged.status).toBe(401);
    expect(await forged.text()).not.toContain("encryptedToken");
    expect(origin.received).toHaveLength(0);
  });

  it("answers LinkedIn's validation GET before any other credential, with the HMAC of the code; never a POST or a code that is not a UUID", async () => {
    await mustPutRoute(route("linkedin", { type: "provider", provider: "linkedin", secrets: ["client-secret"] }));
    const code = "890e4665-4dfe-4ab1-b689-ed553bceeed0";
    const res = await call(`${BASE}/linkedin?challengeCode=${code}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/json");
    const key = await crypto.subtle.importKey("raw", new TextEncoder().encode("client-secret"), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    const expected = [...new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(code)))].map((b) => b.toString(16).padStart(2, "0")).join("");
    expect(await res.json()).toEqual({ challengeCode: code, challengeResponse: expected });
    expect((await call(`${BASE}/linkedin?challengeCode=hmacsha256%3D%7B%7D`)).status).toBe(400);
    // A GET without the code, and a POST carrying one, are unsigned requests like any other.
    expect((await call(`${BASE}/linkedin`)).status).toBe(401);
    expect((await call(`${BASE}/linkedin?challengeCode=${code}`, { method: "POST", body: "{}" })).status).toBe(401);
    expect(origin.received).toHaveLength(0);
  });

  it("answers eBay's challenge_code GET with the SHA-256 of code, verification token and endpoint; never a POST, never without the code", async () => {
    const vectors = (await import("../../vectors/providers.json")).default as unknown as { provider: string; method: { keys?: unknown } }[];
    const keys = vectors.find((v) => v.provider === "ebay")!.method.keys;
    await mustPutRoute(route("ebay", { type: "provider", provider: "ebay", keys, verificationToken: "ebay-verification-token-0123456789abcdef" }));
    const res = await call(`${BASE}/ebay?challenge_code=a8f5f167f44f4964`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/json");
    const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(`a8f5f167f44f4964ebay-verification-token-0123456789abcdef${BASE}/ebay`));
    expect(await res.json()).toEqual({ challengeResponse: [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("") });
    expect((await call(`${BASE}/ebay?challenge_code=`)).status).toBe(400);
    // A GET without the code, and a POST carrying one, are unsigned notifications like any other.
    expect((await call(`${BASE}/ebay`)).status).toBe(401);
    expect((await call(`${BASE}/ebay?challenge_code=abc`, { method: "POST", body: "{}" })).status).toBe(401);
    expect(origin.received).toHaveLength(0);
  });

  it("answers WooCommerce's unsigned creation ping with 200 at the edge, and nothing that is not exactly it", async () => {
    await mustPutRoute(route("woo", { type: "provider", provider: "woocommerce", secrets: ["wc-secret"] }));
    const form = { "content-type": "application/x-www-form-urlencoded" };
    const ping = await call(`${BASE}/woo`, { method: "POST", headers: form, body: "webhook_id=17" });
    expect(ping.status).toBe(200);
    expect(ping.headers.get("x-hookgate-handshake")).toBe("true");
    for (const [headers, body] of [
      [form, "webhook_id=17&topic=order.created"],
      [form, "webhook_id=abc"],
      [{ "content-type": "application/json" }, "webhook_id=17"],
      [{ ...form, "x-wc-webhook-signature": "AAAA" }, "webhook_id=17"],
    ] as const) {
      expect((await call(`${BASE}/woo`, { method: "POST", headers, body })).status, body).toBe(401);
    }
    expect(origin.received).toHaveLength(0);
  });

  it("answers Front's x-front-challenge only once its signature verified, and never forwards it", async () => {
    await mustPutRoute(route("front", { type: "provider", provider: "front", secrets: ["front-signing-key"] }));
    const body = JSON.stringify({ type: "sync", authorization: { id: "cmp_abc" } });
    const ts = String(Date.now());
    const key = await crypto.subtle.importKey("raw", new TextEncoder().encode("front-signing-key"), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    const signature = btoa(String.fromCharCode(...new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(`${ts}:${body}`)))));
    const headers = { "content-type": "application/json", "x-front-request-timestamp": ts, "x-front-challenge": "fr-challenge-1" };
    const forged = await call(`${BASE}/front`, { method: "POST", headers: { ...headers, "x-front-signature": btoa("x".repeat(32)) }, body });
    expect(forged.status).toBe(401);
    expect(await forged.text()).not.toContain("fr-challenge-1");
    expect((await call(`${BASE}/front`, { method: "POST", headers, body })).status).toBe(401);
    const ok = await call(`${BASE}/front`, { method: "POST", headers: { ...headers, "x-front-signature": signature }, body });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ challenge: "fr-challenge-1" });
    expect(origin.received).toHaveLength(0);
  });

  it("records handshakes as such in the log", async () => {
    await mustPutRoute(route("dropbox2", { type: "provider", provider: "dropbox", secrets: ["app-secret"] }));
    const logs: string[] = [];
    const original = console.log;
    console.log = (line: unknown) => void logs.push(String(line));
    try {
      await call(`${BASE}/dropbox2?challenge=abc`);
    } finally {
      console.log = original;
    }
    expect(logs.some((l) => l.includes('"decision":"handshake"'))).toBe(true);
  });
});
