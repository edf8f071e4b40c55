/** What every provider preset is: a name in route config, the options it takes, and a builder. */
import type { SecretValue } from "../secrets";
import type { UrlPolicy } from "../signed-url";
import type { Verifier } from "../types";

/** Options beyond `secrets` that a route may give a preset; each preset lists those that apply. */
export type PresetOption =
  | "toleranceSeconds"
  | "verifyToken"
  | "publicUrl"
  | "signedUrlToken"
  | "legacySha1"
  | "tokenParam"
  | "tokenHeader"
  | "topicArns"
  | "confirmSubscriptions"
  | "certificates";

export interface PresetInput {
  readonly secrets: readonly SecretValue[];
  readonly toleranceSeconds?: number;
  readonly verifyToken?: string;
  readonly url: UrlPolicy;
  readonly legacySha1: boolean;
  readonly tokenParam?: string;
  readonly tokenHeader?: string;
  readonly topicArns: readonly string[];
  readonly confirmSubscriptions: boolean;
  readonly certificates?: Readonly<Record<string, string>>;
}

export interface Preset {
  readonly options: readonly PresetOption[];
  /** Options a route must give (Meta's verifyToken, SNS's topicArns). */
  readonly required?: readonly PresetOption[];
  /** True when the preset authenticates without a secret of the route's (SNS: AWS's certificate). */
  readonly keyless?: boolean;
  build(input: PresetInput): Promise<Verifier>;
}

/** The first secret still valid now: what a handshake proves possession of (X CRC, Zoom). */
export const currentSecret = (secrets: readonly SecretValue[]) => (): string | undefined =>
  secrets.find((s) => s.notAfter === undefined || Date.now() <= s.notAfter)?.value;
