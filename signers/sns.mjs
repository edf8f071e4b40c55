// Amazon SNS (src/verify/presets/sns.ts): the message signed with RSA-SHA256 (SignatureVersion 2)
// by the key of the certificate at SigningCertURL. Its vectors are test/fixtures/sns (make.mjs,
// checked by AWS's own validator), not here: they need a certificate the gateway fetches.
import { randomUUID, sign } from "node:crypto";
import { hex, json } from "./lib.mjs";

const DEMO_TOPIC = "arn:aws:sns:us-east-1:123456789012:hookgate-demo";
const DEMO_CERT_URL = "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-hookgate-demo.pem";
const SIGNED = {
  Notification: ["Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"],
  SubscriptionConfirmation: ["Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"],
};

export const keyKind = "rsa";

/** An SNS message signed with `--key` for the certificate at `--cert-url`. */
function request(c, type) {
  const topic = c.topicArn ?? DEMO_TOPIC;
  const region = topic.split(":")[3];
  const token = hex(32);
  const message = {
    Type: type,
    MessageId: c.eventId ?? randomUUID(),
    ...(type === "SubscriptionConfirmation"
      ? { Token: token, Message: `You have chosen to subscribe to the topic ${topic}.`, SubscribeURL: `https://sns.${region}.amazonaws.com/?Action=ConfirmSubscription&TopicArn=${encodeURIComponent(topic)}&Token=${token}` }
      : { Subject: "hookgate", Message: c.body ? c.body.toString("utf8") : json({ order: `ord_${hex(4)}`, status: "paid" }) }),
    TopicArn: topic,
    Timestamp: new Date(c.now).toISOString(),
    SignatureVersion: "2",
  };
  const toSign = SIGNED[type].filter((k) => k in message).map((k) => `${k}\n${message[k]}\n`).join("");
  const signed = { ...message, Signature: sign("sha256", Buffer.from(toSign), c.need("key")).toString("base64"), SigningCertURL: c.certUrl ?? DEMO_CERT_URL };
  return {
    body: json(signed),
    headers: { "content-type": "text/plain; charset=UTF-8", "x-amz-sns-message-type": type, "x-amz-sns-message-id": message.MessageId, "x-amz-sns-topic-arn": topic },
  };
}

export const event = (c) => request(c, "Notification");
export const handshake = (c) => request(c, "SubscriptionConfirmation");
