/** A shared token in the URL query (`?auth=TK`) or in a header (`X-Gitlab-Token`), compared in constant time. */
import { matchesAnyDigest, sha256 } from "../lib/constant-time";
import { active, type Expiring, type SecretValue } from "./secrets";
import { fail, pass, type Verifier } from "./types";

export interface TokenOptions {
  readonly in: "query" | "header";
  readonly name: string;
  readonly secrets: readonly SecretValue[];
}

export async function tokenVerifier(options: TokenOptions): Promise<Verifier> {
  const digests: Expiring<Uint8Array>[] = await Promise.all(
    options.secrets.map(async (s) => ({ item: await sha256(s.value), notAfter: s.notAfter })),
  );
  const inQuery = options.in === "query";
  return {
    scheme: inQuery ? "token:query" : "token:header",
    needsBody: false,
    strip: inQuery ? { headers: [], query: [options.name] } : { headers: [options.name], query: [] },
    async verify({ url, headers, now }) {
      const presented = inQuery ? url.searchParams.get(options.name) : headers.get(options.name);
      if (presented === null || presented === "") return fail("missing_credentials");
      const valid = active(digests, now);
      if (valid.length === 0) return fail("no_active_secret");
      return (await matchesAnyDigest(presented, valid)) ? pass() : fail("credentials_mismatch");
    },
  };
}
