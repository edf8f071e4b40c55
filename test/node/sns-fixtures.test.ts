/**
 * The SNS fixtures are reproducible and AWS's own validator (sns-validator) accepts them:
 * make.mjs re-signs every message with the committed test key (RSA PKCS#1 v1.5 is
 * deterministic), checks them with the validator and must write the same file back.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

const FILE = new URL("../fixtures/sns/messages.json", import.meta.url);

describe("SNS fixtures", () => {
  it("regenerate byte for byte, validated by sns-validator", () => {
    const committed = readFileSync(FILE, "utf8");
    execFileSync(process.execPath, [new URL("../fixtures/sns/make.mjs", import.meta.url).pathname], { stdio: "pipe" });
    expect(readFileSync(FILE, "utf8")).toBe(committed);
  });
});
