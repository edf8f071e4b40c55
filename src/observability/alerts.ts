/** Alert messages for Slack and Discord incoming webhooks and for a generic JSON webhook. */
import type { AlertTarget } from "../config/compile";

export type AlertKind = "origin_failing" | "rejections_spike" | "dead_letters";

export interface AlertMessage {
  readonly route: string;
  readonly kind: AlertKind;
  readonly count: number;
  readonly windowSeconds: number;
  readonly at: string;
  readonly text: string;
}

const DESCRIPTION: Record<AlertKind, string> = {
  origin_failing: "origin failures (5xx, timeouts, unreachable)",
  rejections_spike: "rejected requests",
  dead_letters: "events moved to the dead letters",
};

export function alertMessage(route: string, kind: AlertKind, count: number, windowSeconds: number, now: number): AlertMessage {
  const text = `hookgate: route "${route}": ${count} ${DESCRIPTION[kind]} in the last ${windowSeconds} s`;
  return { route, kind, count, windowSeconds, at: new Date(now).toISOString(), text };
}

export function alertBody(target: AlertTarget, message: AlertMessage): unknown {
  switch (target.type) {
    case "slack":
      return { text: message.text };
    case "discord":
      return { content: message.text };
    case "webhook":
      return { type: "hookgate.alert", ...message };
  }
}

/** Best effort: an alert that cannot be posted is dropped, never retried into a storm. */
export async function postAlert(target: AlertTarget, message: AlertMessage): Promise<void> {
  try {
    const res = await fetch(target.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(alertBody(target, message)),
      signal: AbortSignal.timeout(5000),
    });
    await res.body?.cancel();
  } catch {
    // ignored on purpose; the next incident after the cool-down tries again
  }
}
