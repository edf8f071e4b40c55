/**
 * What every provider preset is: everything the gateway knows about one provider, in one
 * place. The options it takes are declared with their schema (secret-bearing ones marked),
 * so that config parsing, sealing at rest, compilation, admin redaction and log masking
 * walk them generically; its retry horizon sets dedup's default retention; its builder
 * returns the verifier (with any handshake the provider makes).
 */
import type * as v from "valibot";
import type { SecretValue } from "../secrets";
import type { UrlPolicy } from "../signed-url";
import type { Verifier } from "../types";

/** An option a route may give a preset beyond `secrets`. */
export type PresetOption =
  | {
      /** What the value must be (valibot; its output is what `build` receives). */
      readonly schema: v.GenericSchema;
      readonly secret?: false;
      readonly required?: boolean;
      /** One line for `GET /__gateway/providers` and the docs. */
      readonly doc: string;
    }
  | {
      /**
       * A credential (Meta's verify token, MoMo's access key): written like a secret (a string
       * or `{ value, notAfter }`), sealed in KV, opened when the route compiles (`build` gets
       * the string), shown redacted by the admin API and masked in the event log.
       */
      readonly secret: true;
      readonly required?: boolean;
      readonly doc: string;
    };

export type PresetOptions = Readonly<Record<string, PresetOption>>;

/** What `build` receives for the options a preset declares (secret options opened to their string). */
export type OptionValues<O extends PresetOptions> = string extends keyof O
  ? Readonly<Record<string, unknown>> // any preset: what verify/build.ts hands on
  : { readonly [K in keyof O]?: O[K] extends { readonly schema: infer S extends v.GenericSchema } ? v.InferOutput<S> : string };

export interface PresetInput<O extends PresetOptions = PresetOptions> {
  readonly secrets: readonly SecretValue[];
  readonly options: OptionValues<O>;
  /** Where the signed URL comes from (presets with the `publicUrl` option). */
  readonly url: UrlPolicy;
}

export interface Preset<O extends PresetOptions = PresetOptions> {
  /** The provider's name as people write it (README table, dashboard, `hookgate providers`). */
  readonly display: string;
  /** The documentation (and SDK code) the preset follows. */
  readonly sources: readonly string[];
  readonly options: O;
  /** True when the preset authenticates without a secret of the route's (SNS: AWS's certificate). */
  readonly keyless?: boolean;
  /**
   * How long the provider keeps retrying a failed delivery, in hours: dedup remembers a key an
   * hour longer by default (DEFAULT_RETENTION_SECONDS when not documented).
   */
  readonly retryHours?: number;
  /**
   * The provider hands the endpoint its secret once, at creation (Asana, Notion): a route may
   * be saved without `secrets` (it refuses every delivery until then), and while an admin has
   * armed capture the verifier's `captureRequest` handshake stores it (pipeline/capture.ts).
   */
  readonly capture?: SecretCapture;
  build(input: PresetInput<O>): Promise<Verifier>;
}

export interface SecretCapture {
  /** Request headers that carry the secret in the handshake: masked wherever requests are shown. */
  readonly headers: readonly string[];
  /**
   * True when the secret is also the admin's to paste back into the provider (Notion's
   * verification token): `GET …/capture` shows it, to the admin only. False: it never leaves
   * the gateway (Asana's was already echoed to Asana).
   */
  readonly reveal: boolean;
}

/** A preset with its option types checked against its own declarations. */
export const definePreset = <O extends PresetOptions>(preset: Preset<O>): Preset => preset as unknown as Preset;

/** The first secret still valid now: what a handshake proves possession of (X CRC, Zoom). */
export const currentSecret = (secrets: readonly SecretValue[]) => (): string | undefined =>
  secrets.find((s) => s.notAfter === undefined || Date.now() <= s.notAfter)?.value;
