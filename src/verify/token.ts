/** A shared token in the URL query (`?auth=TK`) or in a header (`X-Gitlab-Token`), compared in constant time. */
import { matchesAnyDigest, sha256 } from "../lib/constant-time";
import { active, type Expiring, type SecretValue } from "./secrets";
import { fail, pass, type Verifier } from "./types";

export interface TokenOptions {
  readonly in: "query" | "header";
  readonly name: string;
  readonly secrets: readonly SecretValue[];
  /** Headers carrying the provider's event id (GitLab), first present wins. */
  readonly eventIdHeaders?: readonly string[];
  /** Names the scheme in logs when a preset uses a token ("gitlab", "mailchimp"). */
  readonly scheme?: string;
}

export async function tokenVerifier(options: TokenOptions): Promise<Verifier> {
  const digests: Expiring<Uint8Array>[] = await Promise.all(
    options.secrets.map(async (s) => ({ item: await sha256(s.value), notAfter: s.notAfter })),
  );
  const inQuery = options.in === "query";
  return {
    scheme: options.scheme ? `token:${options.scheme}` : inQuery ? "token:query" : "token:header",
    needsBody: false,
    strip: inQuery ? { headers: [], query: [options.name] } : { headers: [options.name], query: [] },
    async verify({ url, headers, now }) {
      const presented = inQuery ? url.searchParams.get(options.name) : headers.get(options.name);
      if (presented === null || presented === "") return fail("missing_credentials");
      const valid = active(digests, now);
      if (valid.length === 0) return fail("no_active_secret");
      if (!(await matchesAnyDigest(presented, valid))) return fail("credentials_mismatch");
      return pass(options.eventIdHeaders?.map((h) => headers.get(h)).find((id) => id !== null && id !== undefined && id !== "") ?? undefined);
    },
  };
}
