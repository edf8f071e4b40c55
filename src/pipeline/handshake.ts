/**
 * Provider handshakes, answered at the edge. Unsigned ones (Meta's GET, Mandrill's HEAD,
 * Graph's `validationToken`) come before authentication and read no body; signed ones
 * (Slack, Discord, Zoom) are asked only of verifiers that passed, so a forged request can
 * never make the gateway answer for the origin. The first Response ends the chain.
 */
import type { CompiledRoute } from "../config/compile";
import type { VerifyInput } from "../verify/types";

export async function answerUnsigned(route: CompiledRoute, request: Request, url: URL, now: number): Promise<Response | null> {
  for (const verifier of route.verifiers) {
    if (!verifier.handshake?.methods.includes(request.method)) continue;
    const answer = await verifier.handshake.answer({ method: request.method, url, headers: request.headers, now });
    if (answer) return answer;
  }
  return null;
}

export async function answerSigned(route: CompiledRoute, verifiedBy: readonly string[], input: VerifyInput): Promise<Response | null> {
  for (const verifier of route.verifiers) {
    if (!verifier.reply || !verifiedBy.includes(verifier.scheme)) continue;
    const answer = await verifier.reply(input);
    if (answer) return answer;
  }
  return null;
}
