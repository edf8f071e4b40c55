/**
 * `hookgate capture` against the real worker (wrangler dev): the operator arms a secret-less
 * Asana or Notion route and waits; `hookgate send --handshake` plays the provider's creation
 * request; the CLI reports the capture (for Notion, the token to paste into Notion), and the
 * provider's signed deliveries are forwarded from then on. Not armed, the handshake is refused.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ADMIN_TOKEN, runCli, startGateway, startOrigin, type Gateway, type Origin } from "./helpers";

let gateway: Gateway;
let origin: Origin;
const env = () => ({ HOOKGATE_URL: gateway.url, HOOKGATE_ADMIN_TOKEN: ADMIN_TOKEN, NO_COLOR: "1" });
const status = (stdout: string) => Number(/^(\d{3}) /.exec(stdout)?.[1]);

beforeAll(async () => {
  [gateway, origin] = await Promise.all([startGateway(), startOrigin()]);
  for (const provider of ["asana", "notion"]) {
    const res = await gateway.admin("PUT", `/routes/cap-${provider}`, { host: "*", path: `/cap/${provider}`, origin: origin.url, auth: { methods: [{ type: "provider", provider }] } });
    expect(res.status, await res.clone().text()).toBe(200);
  }
}, 120_000);

afterAll(async () => {
  await gateway?.stop();
  await origin?.close();
});

beforeEach(() => {
  origin.received.length = 0;
});

const send = (provider: string, secret: string, extra: string[] = []) => runCli(["send", `${gateway.url}/cap/${provider}`, "--provider", provider, "--secret", secret, ...extra], env());

/** Arms with --wait in the background, then plays the provider's handshake once the arming is in. */
async function captureWith(provider: string, secret: string) {
  const waiting = runCli(["capture", `cap-${provider}`, "--minutes", "2", "--wait"], env(), 30_000);
  for (let i = 0; i < 100; i++) {
    const s = (await (await gateway.admin("GET", `/routes/cap-${provider}/capture`)).json()) as { armed: boolean };
    if (s.armed) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const handshake = await send(provider, secret, ["--handshake"]);
  return { handshake, cli: await waiting };
}

describe.each([
  { provider: "asana", secret: "e2e0d9c4b1a2f3e4d5c6b7a8f9e0d1c2b3a4f5e6d7c8b9a0f1e2d3c4b5a6f7e8" },
  { provider: "notion", secret: "secret_e2eNotionVerificationToken0123456789" },
])("hookgate capture: $provider", ({ provider, secret }) => {
  it("refuses the handshake while not armed, and a signed delivery while the route holds no secret", async () => {
    const handshake = await send(provider, secret, ["--handshake"]);
    expect(status(handshake.stdout), handshake.stdout).toBe(403);
    expect(handshake.stdout).toContain("capture_not_armed");
    const delivery = await send(provider, secret);
    expect(status(delivery.stdout), delivery.stdout).toBe(401);
    expect(origin.received).toHaveLength(0);
    const s = await runCli(["capture", `cap-${provider}`, "--status"], env());
    expect(s.stdout).toContain("not armed, no secret");
  });

  it("armed and waiting: the handshake is answered and stored, the CLI says so, and signed deliveries are forwarded", async () => {
    const { handshake, cli } = await captureWith(provider, secret);
    expect(status(handshake.stdout), handshake.stdout).toBe(200);
    expect(handshake.stdout).toContain("x-hookgate-handshake: true");
    expect(cli.code, cli.stderr).toBe(0);
    expect(cli.stdout).toMatch(/armed cap-\w+ until/);
    if (provider === "notion") expect(cli.stdout).toContain(`Paste this verification token into Notion`), expect(cli.stdout.trim().endsWith(secret)).toBe(true);
    else expect(cli.stdout).toContain("asana's secret is stored"), expect(cli.stdout).not.toContain(secret);

    const delivery = await send(provider, secret);
    expect(status(delivery.stdout), delivery.stdout).toBe(200);
    expect(origin.received).toHaveLength(1);
    const tampered = await send(provider, secret, ["--tamper"]);
    expect(status(tampered.stdout), tampered.stdout).toBe(401);
    const wrong = await send(provider, `${secret}-wrong`);
    expect(status(wrong.stdout), wrong.stdout).toBe(401);

    const again = await send(provider, "secret_someone-else-entirely", ["--handshake"]);
    expect(status(again.stdout), again.stdout).toBe(409);
    const rearm = await runCli(["capture", `cap-${provider}`], env());
    expect(rearm.code).toBe(1);
    expect(rearm.stderr).toContain("secret_already_set");
    // The route read back shows no secret.
    const get = await runCli(["routes", "get", `cap-${provider}`], env());
    expect(get.stdout).not.toContain(secret);
    expect(gateway.output()).not.toContain(secret);
  });
});
