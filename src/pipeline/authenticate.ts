/**
 * Runs a route's verifiers under its mode: "all" needs every method to pass, "any" one.
 * The pipeline calls it twice: first with the verifiers that need no body (token, Basic),
 * so a stranger without credentials is refused before the body is read; then with the rest.
 */
import type { Rejection } from "../lib/rejection";
import type { Verifier, VerifyInput } from "../verify/types";

export type AuthFailure = Extract<Rejection, { code: "unauthenticated" }>;

export interface AuthRun {
  readonly passed: readonly string[];
  readonly eventId: string | undefined;
  /** The first failure, if any verifier failed. */
  readonly failure: AuthFailure | undefined;
}

export async function runVerifiers(
  verifiers: readonly Verifier[],
  mode: "all" | "any",
  input: VerifyInput,
  challenge: string | undefined,
): Promise<AuthRun> {
  const passed: string[] = [];
  let eventId: string | undefined;
  let failure: AuthFailure | undefined;
  for (const verifier of verifiers) {
    const result = await verifier.verify(input);
    if (result.ok) {
      passed.push(verifier.scheme);
      eventId ??= result.eventId;
      if (mode === "any") break;
    } else {
      failure ??= { code: "unauthenticated", reason: result.reason, scheme: verifier.scheme, challenge };
      if (mode === "all") break;
    }
  }
  return { passed, eventId, failure };
}
