/** Sealed secrets: round trip, bound to their route, refused under the wrong key, readable while a key rotates. */
import { describe, expect, it } from "vitest";
import { importSecretKey, openSecret, sealSecret, SecretKeyError } from "../../../src/config/secret-box";

const KEY_A = "q7tqVjQyU9qfP6Fw1t2Zb8O3sRr1kH4mN0pL5cX2vYw=";
const KEY_B = btoa(String.fromCharCode(...new Uint8Array(32).fill(7)));

describe("secret box", () => {
  it("round-trips and never stores the plaintext", async () => {
    const key = await importSecretKey(KEY_A);
    const sealed = await sealSecret("whsec_plaintext", "route-1", key);
    expect(sealed).not.toContain("whsec_plaintext");
    expect(await openSecret(sealed, "route-1", [key])).toBe("whsec_plaintext");
  });

  it("refuses a ciphertext moved to another route", async () => {
    const key = await importSecretKey(KEY_A);
    expect(await openSecret(await sealSecret("s", "route-1", key), "route-2", [key])).toBeNull();
  });

  it("refuses the wrong key and altered ciphertext", async () => {
    const [a, b] = [await importSecretKey(KEY_A), await importSecretKey(KEY_B)];
    const sealed = await sealSecret("s", "r", a);
    expect(await openSecret(sealed, "r", [b])).toBeNull();
    // Change a character inside the payload (not in the last group, whose low bits may be padding).
    const at = sealed.length - 10;
    const flipped = sealed.slice(0, at) + (sealed[at] === "A" ? "B" : "A") + sealed.slice(at + 1);
    expect(await openSecret(flipped, "r", [a])).toBeNull();
    expect(await openSecret("garbage", "r", [a])).toBeNull();
  });

  it("opens secrets sealed under the previous key during rotation", async () => {
    const [current, previous] = [await importSecretKey(KEY_B), await importSecretKey(KEY_A)];
    const old = await sealSecret("s", "r", previous);
    expect(await openSecret(old, "r", [current, previous])).toBe("s");
  });

  it("refuses keys that are not 32 bytes of base64", async () => {
    for (const bad of [undefined, "", "short", btoa("x".repeat(31))]) await expect(importSecretKey(bad)).rejects.toBeInstanceOf(SecretKeyError);
  });
});
