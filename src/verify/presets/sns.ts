/**
 * AWS SNS: the message is signed with AWS's key, whose certificate is fetched from
 * `SigningCertURL` (only https://sns.<region>.amazonaws.com), so the route holds no secret;
 * `topicArns` is the allow-list. `toleranceSeconds` is how old the signed Timestamp may be
 * (default 3600 s, at most 23 h; 300 s ahead). `confirmSubscriptions` confirms a
 * SubscriptionConfirmation at the edge. `certificates` pins certificates by URL (no download
 * for those). The verifier itself lives in ../sns.ts.
 * https://docs.aws.amazon.com/sns/latest/dg/sns-verify-signature-of-message.html
 */
import { snsVerifier } from "../sns";
import type { Preset } from "./types";

export const sns: Preset = {
  options: ["topicArns", "confirmSubscriptions", "certificates", "toleranceSeconds"],
  required: ["topicArns"],
  keyless: true,
  build: async ({ topicArns, confirmSubscriptions, certificates, toleranceSeconds }) =>
    snsVerifier({ topicArns, confirmSubscriptions, certificates, toleranceSeconds }),
};
