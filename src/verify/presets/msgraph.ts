/**
 * Microsoft Graph change notifications: the subscription's `validationToken` (a POST with
 * `?validationToken=`) is echoed as text/plain at the edge. Notifications are authenticated
 * by the `clientState` you set on the subscription: every notification in `value` must
 * carry it (constant-time compare). Rich notifications' JWT `validationTokens` are not
 * checked here. No timestamp; batches carry no single event id.
 * https://learn.microsoft.com/en-us/graph/change-notifications-delivery-webhooks
 */
import { matchesAnyDigest, sha256 } from "../../lib/constant-time";
import { BodyFields } from "../../lib/json-field";
import { echoQuery } from "../handshakes";
import { active, type Expiring } from "../secrets";
import { fail, pass, type Verifier } from "../types";
import { definePreset } from "./types";

export const MAX_GRAPH_NOTIFICATIONS = 1000;

export const msgraph = definePreset({
  display: "Microsoft Graph change notifications",
  sources: ["https://learn.microsoft.com/en-us/graph/change-notifications-delivery-webhooks"],
  options: {},
  async build({ secrets }): Promise<Verifier> {
    const digests: Expiring<Uint8Array>[] = await Promise.all(secrets.map(async (s) => ({ item: await sha256(s.value), notAfter: s.notAfter })));
    return {
      scheme: "client-state:msgraph",
      needsBody: true,
      strip: { headers: [], query: [] },
      handshake: echoQuery("POST", "validationToken"),
      async verify({ body, now }) {
        const value = (new BodyFields(body).value() as { value?: unknown } | undefined)?.value;
        if (!Array.isArray(value) || value.length === 0 || value.length > MAX_GRAPH_NOTIFICATIONS) return fail("malformed_body");
        const valid = active(digests, now);
        if (valid.length === 0) return fail("no_active_secret");
        for (const n of value) {
          const state = n !== null && typeof n === "object" ? (n as { clientState?: unknown }).clientState : undefined;
          if (typeof state !== "string" || state === "") return fail("missing_credentials");
          if (!(await matchesAnyDigest(state, valid))) return fail("credentials_mismatch");
        }
        return pass();
      },
    };
  },
});
