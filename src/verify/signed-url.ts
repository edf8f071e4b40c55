/**
 * The URL a provider signed (Twilio, Mandrill, Square, HubSpot) is the one it called, as
 * it called it. At the edge that is the request URL; an operator behind another proxy, or
 * whose provider was given a different address, names it with `publicUrl`. The query is
 * the one received, with or without the gateway's own `?auth=` token as the provider saw it.
 */

export interface UrlPolicy {
  /** Scheme, host and path the provider was given; the received query is appended. */
  readonly publicUrl?: string;
  /** Query parameters the provider did not see (the gateway's token when excluded). */
  readonly dropQuery?: readonly string[];
}

/** The query string as received (raw, encoding untouched) without the dropped parameters. */
export function keptQuery(search: string, drop: readonly string[]): string {
  if (drop.length === 0 || search === "") return search;
  const kept = search
    .slice(1)
    .split("&")
    .filter((pair) => {
      const key = pair.split("=", 1)[0]!;
      let name = key;
      try {
        name = decodeURIComponent(key.replace(/\+/g, " "));
      } catch {
        // An undecodable key is not one of ours: keep it as sent.
      }
      return !drop.includes(name);
    });
  return kept.length > 0 ? `?${kept.join("&")}` : "";
}

export function signedUrl(url: URL, policy: UrlPolicy): string {
  const base = policy.publicUrl ?? `${url.protocol}//${url.host}${url.pathname}`;
  return base + keptQuery(url.search, policy.dropQuery ?? []);
}
