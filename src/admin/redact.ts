/** What an admin read shows of a stored route: everything but secret values. */
import { present, type StoredRoute, type StoredSecret } from "../config/schema";
import { secretOptions } from "../verify/presets";

export interface RedactedSecret {
  readonly redacted: true;
  readonly notAfter?: string;
}

const redact = (secrets: readonly StoredSecret[]) =>
  secrets.map((s): RedactedSecret => (s.notAfter ? { redacted: true, notAfter: s.notAfter } : { redacted: true }));

export function redactRoute(route: StoredRoute) {
  return {
    ...route,
    auth: { ...route.auth, methods: route.auth.methods.map((m) => ({
        ...m,
        secrets: redact(m.secrets),
        ...(m.type === "provider" && Object.fromEntries(present(m, secretOptions(m.provider)).map((k) => [k, redact([m[k] as StoredSecret])[0]]))),
      })),
    },
    ...(route.originSigning && { originSigning: { secrets: redact(route.originSigning.secrets) } }),
    ...(route.alerts && { alerts: { ...route.alerts, targets: route.alerts.targets.map((t) => ({ type: t.type, url: redact([t.url])[0] })) } }),
  };
}
