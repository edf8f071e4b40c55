/**
 * AWS SNS: the message is signed with AWS's key, whose certificate is fetched from
 * `SigningCertURL` (only https://sns.<region>.amazonaws.com), so the route holds no secret;
 * `topicArns` is the allow-list. `toleranceSeconds` is how old the signed Timestamp may be
 * (default 3600 s, at most 23 h; 300 s ahead). `confirmSubscriptions` confirms a
 * SubscriptionConfirmation at the edge. `certificates` pins certificates by URL (no download
 * for those). The verifier itself lives in ../sns.ts.
 * https://docs.aws.amazon.com/sns/latest/dg/sns-verify-signature-of-message.html
 */
import * as v from "valibot";
import { MAX_CERT_BYTES, snsVerifier } from "../sns";
import { TOLERANCE } from "./options";
import { definePreset } from "./types";

const topicArn = v.pipe(v.string(), v.regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_.-]{1,256}$/, "must be an SNS topic ARN"));
const pem = v.pipe(v.string(), v.maxLength(MAX_CERT_BYTES), v.startsWith("-----BEGIN CERTIFICATE-----", "must be a PEM certificate"));

export const sns = definePreset({
  display: "AWS SNS",
  sources: ["https://docs.aws.amazon.com/sns/latest/dg/sns-verify-signature-of-message.html", "https://docs.aws.amazon.com/sns/latest/dg/sns-message-delivery-retries.html"],
  keyless: true,
  options: {
    topicArns: { schema: v.pipe(v.array(topicArn), v.minLength(1), v.maxLength(100)), required: true, doc: "the topics this route accepts (ARNs)" },
    confirmSubscriptions: { schema: v.boolean(), doc: "confirm a SubscriptionConfirmation at the edge (GET its SubscribeURL)" },
    certificates: {
      // Used instead of downloading them (../sns.ts checks each).
      schema: v.pipe(v.record(v.pipe(v.string(), v.maxLength(512)), pem), v.check((pins) => Object.keys(pins).length <= 10, "at most 10 certificates")),
      doc: "signing certificates pinned by SigningCertURL (PEM), used instead of downloading them",
    },
    toleranceSeconds: { ...TOLERANCE, doc: "how old the signed Timestamp may be, in seconds (default 3600, at most 82800)" },
  },
  build: async ({ options: { topicArns = [], confirmSubscriptions = false, certificates, toleranceSeconds } }) =>
    snsVerifier({ topicArns, confirmSubscriptions, certificates, toleranceSeconds }),
});
