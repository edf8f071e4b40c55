/**
 * The route config format, as a valibot schema: the one definition of what an operator
 * may write. Unknown keys are refused so that a typo fails loudly instead of silently
 * dropping a check. The same shape is used at rest, with each secret replaced by its
 * ciphertext (see `storedSecret`).
 */
import * as v from "valibot";
import { parseCidr } from "../lib/cidr";
import { compileFilter } from "../routing/filter";
import { compileTransform } from "../routing/transform";
import { PRESET_NAMES, presets } from "../verify/presets";
import { headerName, toleranceSchema as tolerance } from "../verify/presets/options";

export const MAX_BODY_BYTES_LIMIT = 100 * 1024 * 1024; // Cloudflare's own request body cap on most plans
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
export const DEFAULT_ORIGIN_TIMEOUT_MS = 15_000;

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


const cidr = v.pipe(v.string(), v.check((s) => parseCidr(s) !== null, "must be an IPv4 or IPv6 address or CIDR range"));
const bucket = v.strictObject({
  requests: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(1_000_000)),
  periodSeconds: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(86_400)),
  burst: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(1_000_000))),
});

/**
 * What the gateway itself records about a route (never sent by an operator): paused, until
 * when a `hookgate listen` session is attached, and the state of secret capture. Kept by the registry across PUTs
 * (durable/route-registry.ts), so that the pipeline learns it from the cached route at no cost.
 */
const routeState = v.strictObject({
  pausedAt: v.optional(v.pipe(v.number(), v.integer())),
  listeningUntil: v.optional(v.pipe(v.number(), v.integer())),
  // Secret capture (pipeline/capture.ts): armed until when, and when the secret was captured.
  captureUntil: v.optional(v.pipe(v.number(), v.integer())),
  capturedAt: v.optional(v.pipe(v.number(), v.integer())),
});
export type RouteState = v.InferOutput<typeof routeState>;

function methodSchema<S extends v.GenericSchema>(secret: S) {
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

  // Any HMAC provider without a preset; which fields go together is checked in parse.ts.
  const hmac = v.strictObject({
    type: v.literal("hmac"),
    secrets,
    algorithm: v.optional(v.picklist(["sha1", "sha256", "sha512"], 'must be "sha1", "sha256" or "sha512"')),
    secretEncoding: v.optional(v.picklist(["utf8", "base64", "hex", "whsec"])),
    ...customFields,
  }, 'is not a field of an "hmac" method (a provider\'s preset is { "type": "provider", "provider": "stripe" })');

  // Any Ed25519 provider: secrets are its public keys (64 hex characters or base64 of 32 bytes).
  const ed25519 = v.strictObject({ type: v.literal("ed25519"), secrets, ...customFields });

  const method = v.variant("type", [token, basic, hmac, ed25519, providerSchema(secret)], 'must be "token", "basic", "hmac", "ed25519" or "provider"');
  // The options differ by preset: code that handles any preset sees them as a record (verify/build.ts hands them on).
  type Generic = v.InferOutput<typeof token | typeof basic | typeof hmac | typeof ed25519>;
  type GenericIn = v.InferInput<typeof token | typeof basic | typeof hmac | typeof ed25519>;
  return method as unknown as v.GenericSchema<GenericIn | ProviderMethodShape<v.InferInput<S>>, Generic | ProviderMethodShape<v.InferOutput<S>>>;
}

/**
 * A provider preset by name, with exactly the options that preset declares (presets/<name>.ts):
 * a secret option takes a secret's shape, the others their own schema. Which options are
 * required, and the secret count, are checked in parse.ts (with messages naming the provider).
 */
function providerSchema<S extends v.GenericSchema>(secret: S) {
  const byName = PRESET_NAMES.map((name) => {
    const options = Object.entries(presets[name]!.options).map(([key, o]) => [key, v.optional(o.secret ? secret : o.schema)] as const);
    return v.strictObject(
      { type: v.literal("provider"), provider: v.literal(name), secrets: v.optional(v.pipe(v.array(secret), v.maxLength(10)), []), ...Object.fromEntries(options) },
      `does not apply to provider "${name}"`,
    );
  });
  return v.variant("provider", byName, `must be one of: ${PRESET_NAMES.join(", ")}`);
}

/** A provider method as code sees it: name, secrets, and the preset's own options by name. */
export type ProviderMethodShape<Secret> = { readonly type: "provider"; readonly provider: string; readonly secrets: readonly Secret[] } & {
  readonly [option: string]: unknown;
};

const originUrl = v.pipe(v.string(), v.url("must be an absolute URL"), v.regex(/^https?:\/\/[^/?#]+(\/[^?#]*)?$/, "must be http(s) with no query"));
const originTimeoutMs = v.pipe(v.number(), v.integer(), v.minValue(100), v.maxValue(120_000));

/** How an event is delivered and retried: the route's `delivery` and each destination's own. */
/** Where an event's ordering key is read: one line per key (e.g. per customer); none: one line for all. */
const eventField = v.union(
  [v.strictObject({ header: headerName }), v.strictObject({ jsonField: v.pipe(v.string(), v.regex(/^[A-Za-z0-9_$-]+(\.[A-Za-z0-9_$-]+)*$/, "must be a dotted field path such as data.id")) })],
  'must be { "header": "X-Event-Id" } or { "jsonField": "id" }',
);

const deliveryEntries = {
  // sync only: when the origin fails, keep the event and retry it instead of answering the error.
  retryOnFailure: v.optional(v.boolean(), false),
  // Queued delivery, strictly in arrival order: one event in flight at a time (per key, with `key`).
  ordering: v.optional(v.strictObject({ key: v.optional(eventField) })),
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
};

export const MAX_DESTINATIONS = 16;

/** A filter or transformation as written: checked by its own compiler, whose message names the field. */
const compiled = (compile: (spec: unknown, at: string) => { ok: boolean; error?: string }, at: string) =>
  v.pipe(
    v.unknown(),
    v.rawCheck(({ dataset, addIssue }) => {
      if (!dataset.typed) return;
      const r = compile(dataset.value, at);
      if (!r.ok) addIssue({ message: r.error ?? "is invalid" });
    }),
  );

/** A Worker binding's name as wrangler.toml declares it. */
const bindingName = v.pipe(v.string(), v.regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, "must be a binding name from wrangler.toml, such as ARCHIVE"));

/**
 * One place a route's verified events go. `type`: an HTTP endpoint (default), a Worker behind a
 * service binding, a Cloudflare Queue (producer binding), a Workflow (each event starts an
 * instance) or an R2 bucket (the archive, written
 * before anything else is tried). Settings left out are the route's (`originTimeoutMs`,
 * `delivery`); the route's `originSigning` attests to every HTTP or service destination unless
 * `attest` is false. Which fields go with which type is checked in parse.ts.
 */
const destination = v.strictObject({
  id: v.pipe(v.string(), v.regex(/^[a-z0-9][a-z0-9_-]{0,31}$/, "must be 1-32 chars of a-z, 0-9, _ and -, starting with a letter or digit")),
  type: v.optional(v.picklist(["http", "service", "queue", "workflow", "r2"], 'must be "http", "service", "queue", "workflow" or "r2"'), "http"),
  url: v.optional(originUrl),
  binding: v.optional(bindingName),
  // r2: keys start with this, then the route id, the UTC day and the message id, slash-separated.
  prefix: v.optional(v.pipe(v.string(), v.regex(/^[A-Za-z0-9!_.*'()\/-]{0,256}$/, "must be a key prefix of letters, digits and !_.*'()/-"))),
  // queue, workflow: where bodies too large for one message go (an R2 binding); the message carries its key.
  bodyBucket: v.optional(bindingName),
  // Its answer is the provider's (sync); the others are queued. Default: the first HTTP or service destination.
  primary: v.optional(v.boolean()),
  filter: v.optional(compiled(compileFilter, "filter")),
  transform: v.optional(compiled(compileTransform, "transform")),
  originTimeoutMs: v.optional(originTimeoutMs),
  attest: v.optional(v.boolean(), true),
  delivery: v.optional(v.strictObject({ mode: v.optional(v.picklist(["sync", "queue"], 'must be "sync" or "queue"')), ...deliveryEntries })),
});
export type DestinationConfig = v.InferOutput<typeof destination>;

function routeSchema<S extends v.GenericSchema>(secret: S) {
  const secrets = v.pipe(v.array(secret), v.minLength(1, "needs at least one secret"), v.maxLength(10));

  return v.strictObject({
    id: v.pipe(v.string(), v.regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, "must be 1-64 chars of a-z, 0-9, _ and -, starting with a letter or digit")),
    host: v.pipe(
      v.string(),
      v.toLowerCase(),
      v.regex(/^(\*|[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*)$/, 'must be a hostname or "*"'),
    ),
    path: v.pipe(v.string(), v.regex(/^\/[^\s?#]{0,1023}$/, 'must start with "/" and have no query or spaces')),
    match: v.optional(v.picklist(["exact", "prefix"], 'must be "exact" or "prefix"'), "exact"),
    origin: v.optional(originUrl),
    originTimeoutMs: v.optional(originTimeoutMs, DEFAULT_ORIGIN_TIMEOUT_MS),
    auth: v.strictObject({
      mode: v.optional(v.picklist(["all", "any"], 'must be "all" or "any"'), "all"),
      methods: v.pipe(
        v.array(methodSchema(secret)),
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
        key: v.optional(eventField),
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
        // Under a flood of failed authentications (pipeline/rate-limit.ts): on unless false.
        floodGuard: v.optional(
          v.union(
            [
              v.literal(false),
              v.strictObject({
                failuresPerSecond: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(1_000_000))),
                delayMs: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(10_000))),
                keptPerSecond: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(10_000))),
              }),
            ],
            "must be false or { failuresPerSecond, delayMs, keptPerSecond }",
          ),
        ),
      }),
    ),
    delivery: v.optional(
      v.strictObject({
        // listen: no origin; events are kept until a `hookgate listen` session takes them (durable/listen-hub.ts).
        mode: v.optional(v.picklist(["sync", "queue", "listen"], 'must be "sync", "queue" or "listen"'), "sync"),
        ...deliveryEntries,
      }),
    ),
    // Instead of `origin`: where each verified event goes, each destination with its own rules (pipeline/destinations.ts).
    destinations: v.optional(v.pipe(v.array(destination), v.minLength(1, "needs at least one destination"), v.maxLength(MAX_DESTINATIONS))),
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

/** The given options among `names` of a provider method (a secret option the route left out is not there). */
export const present = (method: { readonly [option: string]: unknown }, names: readonly string[]): string[] => names.filter((n) => method[n] !== undefined);
