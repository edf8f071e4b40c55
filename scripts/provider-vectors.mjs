#!/usr/bin/env node
/**
 * Writes test/vectors/providers.json: one signed request (or handshake) per case, from each
 * provider's module in signers/ (`vectors()`), and has the provider's own SDK check every
 * vector it applies to (the module's `oracle(v)`), or throws. A verifier tested only against
 * our own signer proves nothing, so each vector is signed by the provider's SDK where one can
 * sign (our signer, the one `hookgate send` uses, must then give the same bytes), else taken
 * from the provider's documented vector (which our signer must reproduce), else signed by our
 * signer per the provider's documented algorithm and accepted by its SDK where one verifies.
 * Each vector's `source` says which.
 *
 * Deterministic: fixed secrets, bodies and keys; timestamped schemes sign at NOW_MS
 * (signers/vector.mjs) unless a documented vector fixes its own time. ECDSA (SendGrid)
 * signatures are randomized: the committed one is kept while the SDK still accepts it.
 *
 * Usage: node scripts/provider-vectors.mjs          (writes the file)
 *        import { generate, sdkOracle } from it     (test/node/provider-vectors.test.ts)
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { moduleOf } from "../signers/index.mjs";

export { NOW_MS } from "../signers/vector.mjs";
export const VECTORS_FILE = fileURLToPath(new URL("../test/vectors/providers.json", import.meta.url));
const SIGNERS = new URL("../signers/", import.meta.url);

/** The modules with vectors, in the file's order. */
const ORDER = [
  ...["stripe", "github", "gitlab", "gitlab-signing", "shopify", "slack", "meta", "discord", "twilio", "mailchimp", "mandrill"],
  ...["standard-webhooks", "svix", "standard-family", "hmac-family"],
  ...["postmark", "pipedrive", "chargebee", "sepay", "telegram", "zalopay", "payos", "sendgrid", "square", "paddle", "linear", "zoom"],
  ...["mailgun", "intercom", "hubspot", "typeform", "dropbox", "x", "xero", "okta", "msgraph"],
  ...["momo", "vnpay", "casso", "zalo-oa", "netlify", "vonage", "plaid", "fusionauth", "paypal", "monday", "adyen", "contentful", "linkedin", "asana", "notion", "ebay"],
];
const modules = new Map(await Promise.all(ORDER.map(async (name) => [name, await import(new URL(`${name}.mjs`, SIGNERS).href)])));

// A module with vectors left out of ORDER would silently lose them.
for (const file of readdirSync(SIGNERS).filter((f) => f.endsWith(".mjs"))) {
  const name = file.slice(0, -".mjs".length);
  if (!modules.has(name) && (await import(new URL(file, SIGNERS).href)).vectors) throw new Error(`signers/${file} has vectors but is not in ORDER`);
}

/**
 * The provider's own verifier for a vector, from the module that signs it, or null when none
 * applies (no SDK installed, an unsigned handshake, GitHub's SHA-1 header which octokit v6 does
 * not check). Used by generate() (it throws on a rejection) and by the node test on the committed file.
 */
export const sdkOracle = (v) => modules.get(moduleOf(v.provider))?.oracle?.(v) ?? null;

const readCommitted = (file = VECTORS_FILE) => (existsSync(file) ? JSON.parse(readFileSync(file, "utf8")) : undefined);

/**
 * All vectors, in a fixed order. `previous` (the committed vectors by default) only lends
 * its ECDSA signatures, and only where the SDK still accepts them. Throws when a provider's
 * SDK rejects a vector or a documented vector does not reproduce.
 */
export async function generate({ previous = readCommitted() } = {}) {
  const vectors = [];
  for (const module of modules.values()) vectors.push(...(await module.vectors({ previous })));
  const names = new Set();
  for (const v of vectors) {
    if (names.has(v.name)) throw new Error(`duplicate vector name: ${v.name}`);
    names.add(v.name);
    const oracle = sdkOracle(v);
    if (oracle && !(await oracle.verify())) throw new Error(`${v.name}: ${oracle.sdk} rejects the vector`);
  }
  return vectors;
}

export const serialize = (vectors) => `${JSON.stringify(vectors, null, 2)}\n`;

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const vectors = await generate();
  writeFileSync(VECTORS_FILE, serialize(vectors));
  console.log(`${vectors.length} vectors, ${vectors.filter((v) => sdkOracle(v)).length} checked by a provider SDK -> ${VECTORS_FILE}`);
}
