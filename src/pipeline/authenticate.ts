/**
 * Authentication under the route's mode: "all" needs every method to pass, "any" one.
 * It runs in two phases around the body read: first the verifiers that need no body
 * (token, Basic), so a stranger without credentials is refused before a byte of the body
 * is read; then the signature verifiers, over the exact bytes that will be forwarded.
 */
import type { CompiledRoute } from "../config/compile";
import type { Rejection } from "../lib/rejection";
import type { CaptureRequest, Verifier, VerifyInput } from "../verify/types";
import { readBody } from "./read-body";

export type AuthFailure = Extract<Rejection, { code: "unauthenticated" }>;

export interface Authenticated {
  readonly body: Uint8Array;
  readonly verifiedBy: readonly string[];
  readonly eventId: string | undefined;
  /** Observe mode only: the failure enforcement would have refused the request for. */
  readonly observed?: AuthFailure;
}

interface Phase {
  readonly passed: readonly string[];
  readonly eventId: string | undefined;
  /** The first failure, if any verifier failed. */
  readonly failure: AuthFailure | undefined;
}

const NO_BODY = new Uint8Array(0);

export async function runVerifiers(
  verifiers: readonly Verifier[],
  mode: "all" | "any",
  input: VerifyInput,
  challenge: string | undefined,
): Promise<Phase> {
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

/**
 * Authenticates the request and reads its body (capped) between the two phases. In
 * observe mode (`enforce: false`) a failure is returned as `observed` with the body, so
 * the request can still be forwarded, marked unverified.
 */
/** A provider's test request (Verifier.testRequest), answered at the edge and taken no further. */
export interface TestAnswered {
  readonly testAnswer: Response;
  readonly body: Uint8Array;
}

/** A creation handshake carrying the secret of the route's method `method` (Verifier.captureRequest): pipeline/capture.ts decides. */
export interface CaptureAsked {
  readonly capture: CaptureRequest;
  readonly method: number;
  readonly body: Uint8Array;
}

export async function authenticate(route: CompiledRoute, request: Request, url: URL, now: number): Promise<Authenticated | TestAnswered | CaptureAsked | Rejection> {
  let body: Uint8Array | Rejection | undefined;
  const read = async () => (body ??= await readBody(request, route.config.limits.maxBodyBytes));
  const verdict = await verify(route, request, url, now, read);
  if (!("code" in verdict) || verdict.code !== "unauthenticated" || route.config.enforce) return verdict;
  const bytes = await read();
  return bytes instanceof Uint8Array ? { body: bytes, verifiedBy: [], eventId: undefined, observed: verdict } : bytes;
}

async function verify(
  route: CompiledRoute,
  request: Request,
  url: URL,
  now: number,
  read: () => Promise<Uint8Array | Rejection>,
): Promise<Authenticated | TestAnswered | CaptureAsked | Rejection> {
  const { mode } = route.config.auth;
  const challenge = route.verifiers.find((v) => v.challenge)?.challenge;
  const early = route.verifiers.filter((v) => !v.needsBody);
  const late = route.verifiers.filter((v) => v.needsBody);
  const input = { method: request.method, url, headers: request.headers, now };

  const first = await runVerifiers(early, mode, { ...input, body: NO_BODY }, challenge);
  if (mode === "all" && first.failure) return first.failure;
  if (mode === "any" && first.passed.length === 0 && late.length === 0) return first.failure ?? missing(challenge);

  const body = await read();
  if (!(body instanceof Uint8Array)) return body;
  for (const verifier of late) {
    const answer = await verifier.testRequest?.({ ...input, body });
    if (answer) return { testAnswer: answer, body };
    const capture = verifier.captureRequest?.({ ...input, body });
    if (capture) return { capture, method: route.verifiers.indexOf(verifier), body };
  }
  if (late.length === 0 || (mode === "any" && first.passed.length > 0)) {
    return { body, verifiedBy: first.passed, eventId: first.eventId };
  }

  const second = await runVerifiers(late, mode, { ...input, body }, challenge);
  if (mode === "all" && second.failure) return second.failure;
  if (mode === "any" && second.passed.length === 0) return second.failure ?? first.failure ?? missing(challenge);
  return { body, verifiedBy: [...first.passed, ...second.passed], eventId: first.eventId ?? second.eventId };
}

const missing = (challenge: string | undefined): AuthFailure => ({
  code: "unauthenticated",
  reason: "missing_credentials",
  scheme: "none",
  challenge,
});
