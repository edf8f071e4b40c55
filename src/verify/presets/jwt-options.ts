/** Options the JWT-signed presets share: public keys pinned in the config, or the URL that publishes them. */
import * as v from "valibot";
import type { PinnedKey } from "../jws";
import type { PresetOption } from "./types";

const pem = v.pipe(v.string(), v.maxLength(16_384), v.startsWith("-----BEGIN", "must be a PEM public key or certificate"));
const jwk = v.looseObject({ kty: v.string(), kid: v.optional(v.string()) });

export const PINNED_KEYS = {
  schema: v.pipe(v.array(v.union([pem, jwk], "must be a PEM public key, a PEM certificate or a JWK")), v.minLength(1), v.maxLength(10)),
  doc: "the provider's public keys (PEM or JWK with its kid), used without any download",
} as const satisfies PresetOption;

export const KEY_URL = {
  schema: v.pipe(v.string(), v.url("must be an absolute URL"), v.startsWith("https://", "must be https"), v.maxLength(512)),
  doc: "an https URL publishing the keys as a JWKS (or one JWK per {kid}); only its own host is fetched from",
} as const satisfies PresetOption;

export const asPinned = (keys: readonly unknown[] | undefined) => keys as readonly PinnedKey[] | undefined;
/** The one host a key URL from the config may be fetched from: its own. */
export const ownHost = (url: string | undefined) => (url === undefined ? undefined : [new URL(url).hostname]);
