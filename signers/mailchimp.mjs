// Mailchimp Marketing (src/verify/presets/mailchimp.ts) signs nothing: the token in the URL it is
// given (our `?auth=`, or `--param`) is the credential; it checks the URL with a GET first.
import { FORM, hex } from "./lib.mjs";
import { form, HOST, vector } from "./vector.mjs";

/** The URL with the token in its query. */
function tokenUrl(url, token, param = "auth") {
  const out = new URL(url);
  out.searchParams.set(param, token);
  return out;
}

export function event(c) {
  const body = c.body ?? new URLSearchParams({ type: "subscribe", fired_at: new Date(c.now).toISOString().slice(0, 19).replace("T", " "), "data[id]": hex(5), "data[email]": "api@mailchimp.com", "data[list_id]": "a6b5da1054" }).toString();
  return { url: tokenUrl(c.url, c.need("secret"), c.param), body, headers: { "content-type": FORM } };
}
export const handshake = (c) => ({ method: "GET", url: tokenUrl(c.url, c.need("secret"), c.param), headers: {} });

export async function vectors() {
  const source = "documented scheme (unsigned; URL secret): https://mailchimp.com/developer/marketing/guides/sync-audience-data-webhooks/";
  const token = "mc-url-token-provider-vectors-8b1f2e3d4c5a6978";
  const url = tokenUrl(`${HOST}/mailchimp`, token).href;
  const body = form([
    ["type", "subscribe"],
    ["fired_at", "2026-09-21 12:53:20"],
    ["data[id]", "8a25ff1d98"],
    ["data[list_id]", "a6b5da1054"],
    ["data[email]", "api@mailchimp.com"],
    ["data[email_type]", "html"],
    ["data[ip_opt]", "10.20.10.30"],
    ["data[merges][EMAIL]", "api@mailchimp.com"],
    ["data[merges][FNAME]", "Mailchimp"],
  ]);
  return [
    vector({
      name: "mailchimp: subscribe (form, URL token)",
      provider: "mailchimp",
      source,
      method: { secrets: [token] },
      request: { url, headers: { "content-type": "application/x-www-form-urlencoded", "user-agent": "MailChimp" }, body },
    }),
    vector({
      name: "mailchimp: GET validation",
      provider: "mailchimp",
      source,
      method: { secrets: [token] },
      request: { method: "GET", url, headers: { "user-agent": "MailChimp" } },
      reply: { status: 200, contentType: "text/plain", body: "ok" },
    }),
  ];
}
