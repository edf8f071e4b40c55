/**
 * HTTP Basic (RFC 7617). The password may contain ':', so only the first colon splits;
 * user and password are compared together, in constant time, as one digest.
 */
import { matchesAnyDigest, sha256 } from "../lib/constant-time";
import { base64ToBytes } from "../lib/encoding";
import { active, type Expiring, type SecretValue } from "./secrets";
import { fail, pass, type Verifier } from "./types";

export interface BasicOptions {
  readonly username: string;
  readonly secrets: readonly SecretValue[];
  readonly realm: string;
}

const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

/** `Basic <base64(user:pass)>` to its credentials, or null when malformed. */
export function parseBasicAuthorization(header: string): { user: string; password: string } | null {
  const match = /^Basic[ ]+([A-Za-z0-9+/=_-]+)[ ]*$/i.exec(header);
  if (!match?.[1]) return null;
  const bytes = base64ToBytes(match[1]);
  if (!bytes) return null;
  let decoded: string;
  try {
    decoded = decoder.decode(bytes);
  } catch {
    return null;
  }
  const colon = decoded.indexOf(":");
  if (colon < 0) return null;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

export async function basicVerifier(options: BasicOptions): Promise<Verifier> {
  const digests: Expiring<Uint8Array>[] = await Promise.all(
    options.secrets.map(async (s) => ({
      item: await sha256(`${options.username}:${s.value}`),
      notAfter: s.notAfter,
    })),
  );
  const realm = options.realm.replace(/["\\]/g, "");
  return {
    scheme: "basic",
    needsBody: false,
    strip: { headers: ["authorization"], query: [] },
    challenge: `Basic realm="${realm}", charset="UTF-8"`,
    async verify({ headers, now }) {
      const header = headers.get("authorization");
      if (header === null) return fail("missing_credentials");
      const credentials = parseBasicAuthorization(header);
      if (!credentials) return fail("malformed_credentials");
      const valid = active(digests, now);
      if (valid.length === 0) return fail("no_active_secret");
      const presented = `${credentials.user}:${credentials.password}`;
      return (await matchesAnyDigest(presented, valid)) ? pass() : fail("credentials_mismatch");
    },
  };
}
