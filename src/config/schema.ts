/**
 * The route config format, as a valibot schema: the one definition of what an operator
 * may write. Unknown keys are refused so that a typo fails loudly instead of silently
 * dropping a check. The same shape is used at rest, with each secret replaced by its
 * ciphertext (see `storedSecret`).
 */
import * as v from "valibot";
import { parseCidr } from "../lib/cidr";
import { HMAC_PRESET_NAMES, PRESET_NAMES } from "../verify/presets";
import { MAX_CERT_BYTES } from "../verify/sns";

export const MAX_BODY_BYTES_LIMIT = 100 * 1024 * 1024; // Cloudflare's own request body cap on most plans
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
export const DEFAULT_ORIGIN_TIMEOUT_MS = 15_000;
const MAX_TOLERANCE_SECONDS = 7 * 24 * 3600;

const isoDate = v.pipe(v.string(), v.isoTimestamp("must be an ISO 8601 timestamp, e.g. 2026-12-31T00:00:00Z"));

/** A secret as an operator writes it: a string, or with an expiry for rotation. */
export const inputSecret = v.union(
  [
    v.pipe(v.string(), v.minLength(1, "must not be empty"), v.maxLength(4096)),
    v.strictObject({
      value: v.pipe(v.string(), v.minLength(1, "must not be empty"), v.maxLength(4096)),
      notAfter: v.optional(isoDate),
    }),
  ],
  "must be a string or { value, notAfter }",
);

/** A secret at rest: AES-GCM ciphertext (config/secret-box.ts). */
export const storedSecret = v.strictObject({ enc: v.string(), notAfter: v.optional(isoDate) });

const headerName = v.pipe(v.string(), v.regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,128}$/, "must be an HTTP header name"));
const tolerance = v.pipe(
  v.number(),
  v.integer("must be a whole number of seconds"),
  v.minValue(1, "must be at least 1 (there is no value that turns the check off)"),
  v.maxValue(MAX_TOLERANCE_SECONDS),
);

const cidr = v.pipe(v.string(), v.check((s) => parseCidr(s) !== null, "must be an IPv4 or IPv6 address or CIDR range"));
const bucket = v.strictObject({
  requests: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(1_000_000)),
  periodSeconds: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(86_400)),
  burst: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(1_000_000))),
});

/**
 * What the gateway itself records about a route (never sent by an operator): paused, and
 * until when a `hookgate listen` session is attached. Kept by the registry across PUTs
 * (durable/route-registry.ts), so that the pipeline learns it from the cached route at no cost.
 */
const routeState = v.strictObject({
  pausedAt: v.optional(v.pipe(v.number(), v.integer())),
  listeningUntil: v.optional(v.pipe(v.number(), v.integer())),
});
export type RouteState = v.InferOutput<typeof routeState>;

function routeSchema<S extends v.GenericSchema>(secret: S) {
  const secrets = v.pipe(v.array(secret), v.minLength(1, "needs at least one secret"), v.maxLength(10));

  const token = v.strictObject({
    type: v.literal("token"),
    in: v.picklist(["query", "header"], 'must be "query" or "header"'),
    name: v.optional(v.pipe(v.string(), v.regex(/^[A-Za-z0-9_.~!#$%&'*+^`|-]{1,128}$/, "must be a parameter or header name"))),
    secrets,
  });

  const basic = v.strictObject({
    type: v.literal("basic"),
    username: v.pipe(v.string(), v.minLength(1), v.maxLength(256), v.regex(/^[^:]*$/, "must not contain ':'")),
    secrets,
    realm: v.optional(v.pipe(v.string(), v.maxLength(128)), "webhooks"),
  });

  // The generic schemes, for any provider without a preset: what is signed, how, where.
  const customFields = {
    toleranceSeconds: v.optional(tolerance),
    encoding: v.optional(v.picklist(["hex", "base64"], 'must be "hex" or "base64"')),
    header: v.optional(headerName),
    prefix: v.optional(v.pipe(v.string(), v.maxLength(64))),
    payload: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(512))),
    timestampHeader: v.optional(headerName),
    timestampUnit: v.optional(v.picklist(["s", "ms"], 'must be "s" or "ms"')),
    eventIdHeader: v.optional(headerName),
  };

  // One object for the older preset spelling and custom schemes; which fields go together is checked in parse.ts.
  const hmac = v.strictObject({
    type: v.literal("hmac"),
    preset: v.optional(v.picklist(HMAC_PRESET_NAMES, `must be one of: ${HMAC_PRESET_NAMES.join(", ")} (other providers: { "type": "provider" })`)),
    secrets,
    algorithm: v.optional(v.picklist(["sha1", "sha256", "sha512"], 'must be "sha1", "sha256" or "sha512"')),
    secretEncoding: v.optional(v.picklist(["utf8", "base64", "hex", "whsec"])),
    ...customFields,
  });

  // Any Ed25519 provider: secrets are its public keys (64 hex characters or base64 of 32 bytes).
  const ed25519 = v.strictObject({ type: v.literal("ed25519"), secrets, ...customFields });

  // A provider preset by name (docs/providers.md); which options apply is checked in parse.ts.
  const provider = v.strictObject({
    type: v.literal("provider"),
    provider: v.picklist(PRESET_NAMES, `must be one of: ${PRESET_NAMES.join(", ")}`),
    secrets: v.optional(v.pipe(v.array(secret), v.maxLength(10)), []),
    toleranceSeconds: v.optional(tolerance),
    verifyToken: v.optional(secret),
    // No whitespace either: a provider signs the URL it called, which never holds a raw space or
    // line break, and a line break here made the Twilio port regex (signed-url.ts) backtrack
    // quadratically in the host's length on every request (review finding).
    publicUrl: v.optional(v.pipe(v.string(), v.url("must be an absolute URL"), v.regex(/^https?:\/\/[^/?#\s]+(\/[^?#\s]*)?$/, "must be http(s) with no query or whitespace"))),
    signedUrlToken: v.optional(v.picklist(["include", "exclude"], 'must be "include" or "exclude"'), "include"),
    legacySha1: v.optional(v.boolean(), false),
    tokenParam: v.optional(v.pipe(v.string(), v.regex(/^[A-Za-z0-9_.~!#$%&'*+^`|-]{1,128}$/, "must be a query parameter name"))),
    tokenHeader: v.optional(headerName),
    topicArns: v.optional(v.pipe(v.array(v.pipe(v.string(), v.regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_.-]{1,256}$/, "must be an SNS topic ARN"))), v.minLength(1), v.maxLength(100))),
    confirmSubscriptions: v.optional(v.boolean(), false),
    // SNS: certificates by SigningCertURL, used instead of downloading them (sns.ts checks each).
    certificates: v.optional(
      v.pipe(
        v.record(v.pipe(v.string(), v.maxLength(512)), v.pipe(v.string(), v.maxLength(MAX_CERT_BYTES), v.startsWith("-----BEGIN CERTIFICATE-----", "must be a PEM certificate"))),
        v.check((pins) => Object.keys(pins).length <= 10, "at most 10 certificates"),
      ),
    ),
  });

  return v.strictObject({
    id: v.pipe(v.string(), v.regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, "must be 1-64 chars of a-z, 0-9, _ and -, starting with a letter or digit")),
    host: v.pipe(
      v.string(),
      v.toLowerCase(),
      v.regex(/^(\*|[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*)$/, 'must be a hostname or "*"'),
    ),
    path: v.pipe(v.string(), v.regex(/^\/[^\s?#]{0,1023}$/, 'must start with "/" and have no query or spaces')),
    match: v.optional(v.picklist(["exact", "prefix"], 'must be "exact" or "prefix"'), "exact"),
    origin: v.optional(
      v.pipe(v.string(), v.url("must be an absolute URL"), v.regex(/^https?:\/\/[^/?#]+(\/[^?#]*)?$/, "must be http(s) with no query")),
    ),
    originTimeoutMs: v.optional(v.pipe(v.number(), v.integer(), v.minValue(100), v.maxValue(120_000)), DEFAULT_ORIGIN_TIMEOUT_MS),
    auth: v.strictObject({
      mode: v.optional(v.picklist(["all", "any"], 'must be "all" or "any"'), "all"),
      methods: v.pipe(
        v.array(v.variant("type", [token, basic, hmac, ed25519, provider], 'must be "token", "basic", "hmac", "ed25519" or "provider"')),
        v.minLength(1, "needs at least one method: a route without authentication is refused"),
        v.maxLength(8),
      ),
    }),
    limits: v.optional(
      v.strictObject({
        maxBodyBytes: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(MAX_BODY_BYTES_LIMIT)), DEFAULT_MAX_BODY_BYTES),
        methods: v.optional(
          v.pipe(v.array(v.pipe(v.string(), v.toUpperCase(), v.regex(/^[A-Z]{1,16}$/, "must be an HTTP method"))), v.minLength(1)),
          ["POST"],
        ),
        contentTypes: v.optional(v.array(v.pipe(v.string(), v.toLowerCase(), v.regex(/^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+$/, "must be a media type such as application/json")))),
      }),
      {},
    ),
    // false: observe mode. Verification runs and is recorded, failures are forwarded marked unverified.
    enforce: v.optional(v.boolean(), true),
    // Present (even as {}): each event is forwarded once (pipeline/dedup.ts).
    dedup: v.optional(
      v.strictObject({
        key: v.optional(
          v.union(
            [v.strictObject({ header: headerName }), v.strictObject({ jsonField: v.pipe(v.string(), v.regex(/^[A-Za-z0-9_$-]+(\.[A-Za-z0-9_$-]+)*$/, "must be a dotted field path such as data.id")) })],
            'must be { "header": "X-Event-Id" } or { "jsonField": "id" }',
          ),
        ),
        retentionSeconds: v.optional(v.pipe(v.number(), v.integer(), v.minValue(60), v.maxValue(30 * 24 * 3600))),
        shards: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(64)), 1),
      }),
    ),
    // Only these client IPs may call the route (providers that publish their ranges).
    allowCidrs: v.optional(v.pipe(v.array(cidr), v.minLength(1), v.maxLength(1000))),
    rateLimit: v.optional(
      v.strictObject({
        perIp: v.optional(bucket),
        perRoute: v.optional(v.strictObject({ ...bucket.entries, scope: v.optional(v.picklist(["isolate", "global"]), "isolate") })),
        // Never limited by perIp/perRoute: a provider's published ranges.
        exemptCidrs: v.optional(v.pipe(v.array(cidr), v.maxLength(1000)), []),
        // IPv6 clients are counted per network of this size: one subscriber holds a whole /64.
        ipv6PrefixLength: v.optional(v.pipe(v.number(), v.integer(), v.minValue(32), v.maxValue(128)), 64),
        authFailures: v.optional(
          v.strictObject({
            max: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(10_000)),
            periodSeconds: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(86_400)),
            cooldownSeconds: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(86_400)),
          }),
        ),
      }),
    ),
    delivery: v.optional(
      v.strictObject({
        // listen: no origin; events are kept until a `hookgate listen` session takes them (durable/listen-hub.ts).
        mode: v.optional(v.picklist(["sync", "queue", "listen"], 'must be "sync", "queue" or "listen"'), "sync"),
        // sync only: when the origin fails, keep the event and retry it instead of answering the error.
        retryOnFailure: v.optional(v.boolean(), false),
        maxAttempts: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(100))),
        maxAgeSeconds: v.optional(v.pipe(v.number(), v.integer(), v.minValue(60), v.maxValue(30 * 24 * 3600))),
        initialBackoffSeconds: v.optional(v.pipe(v.number(), v.minValue(0.1), v.maxValue(3600))),
        maxBackoffSeconds: v.optional(v.pipe(v.number(), v.minValue(1), v.maxValue(24 * 3600))),
        deadLetterRetentionSeconds: v.optional(v.pipe(v.number(), v.integer(), v.minValue(3600), v.maxValue(90 * 24 * 3600))),
        circuitBreaker: v.optional(
          v.strictObject({
            failures: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(1000)), 5),
            pauseSeconds: v.optional(v.pipe(v.number(), v.minValue(0.1), v.maxValue(3600)), 30),
          }),
        ),
      }),
    ),
    observability: v.optional(
      v.strictObject({
        // Keep request bodies in the route's event log (off: only metadata and masked headers).
        storeBodies: v.optional(v.boolean(), false),
        retentionSeconds: v.optional(v.pipe(v.number(), v.integer(), v.minValue(60), v.maxValue(90 * 24 * 3600)), 7 * 24 * 3600),
        maxEvents: v.optional(v.pipe(v.number(), v.integer(), v.minValue(10), v.maxValue(1_000_000)), 10_000),
      }),
      {},
    ),
    alerts: v.optional(
      v.strictObject({
        // Where to post: each target's URL is a secret like any other (sealed, never shown).
        targets: v.pipe(
          v.array(v.strictObject({ type: v.picklist(["slack", "discord", "webhook"], 'must be "slack", "discord" or "webhook"'), url: secret })),
          v.minLength(1),
          v.maxLength(5),
        ),
        windowSeconds: v.optional(v.pipe(v.number(), v.integer(), v.minValue(10), v.maxValue(86_400)), 300),
        originFailures: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1)), 5),
        rejections: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1)), 100),
        deadLetters: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1)), 1),
        cooldownSeconds: v.optional(v.pipe(v.number(), v.integer(), v.minValue(10), v.maxValue(86_400)), 900),
      }),
    ),
    // Sign what the gateway sends to the origin (Standard Webhooks, whsec_ secrets).
    originSigning: v.optional(v.strictObject({ secrets })),
  });
}

export const inputRouteSchema = routeSchema(inputSecret);
export const storedRouteSchema = v.strictObject({ ...routeSchema(storedSecret).entries, state: v.optional(routeState) });

export type InputRoute = v.InferOutput<typeof inputRouteSchema>;
export type StoredRoute = v.InferOutput<typeof storedRouteSchema>;
export type InputSecret = v.InferOutput<typeof inputSecret>;
export type StoredSecret = v.InferOutput<typeof storedSecret>;
export type AuthMethodConfig = InputRoute["auth"]["methods"][number];
