/** What an admin read shows of a stored route: everything but secret values. */
import type { StoredRoute } from "../config/schema";

export interface RedactedSecret {
  readonly redacted: true;
  readonly notAfter?: string;
}

export function redactRoute(route: StoredRoute) {
  return {
    ...route,
    auth: {
      ...route.auth,
      methods: route.auth.methods.map((m) => ({
        ...m,
        secrets: m.secrets.map((s): RedactedSecret => (s.notAfter ? { redacted: true, notAfter: s.notAfter } : { redacted: true })),
      })),
    },
  };
}
