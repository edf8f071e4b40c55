/**
 * `application/x-www-form-urlencoded` bodies, as Twilio and Mandrill sign them: every
 * key sorted, each followed by its value(s). Never throws: an undecodable body is null.
 */

export const MAX_FORM_FIELDS = 1000;

/** Decoded fields in body order; null for malformed percent-encoding or too many fields. */
export function parseForm(text: string): [string, string][] | null {
  if (text === "") return [];
  const pairs = text.split("&");
  if (pairs.length > MAX_FORM_FIELDS) return null;
  const out: [string, string][] = [];
  for (const pair of pairs) {
    if (pair === "") continue;
    const eq = pair.indexOf("=");
    const rawKey = eq < 0 ? pair : pair.slice(0, eq);
    const rawValue = eq < 0 ? "" : pair.slice(eq + 1);
    try {
      out.push([decodeURIComponent(rawKey.replace(/\+/g, " ")), decodeURIComponent(rawValue.replace(/\+/g, " "))]);
    } catch {
      return null;
    }
  }
  return out;
}

/**
 * Sorted `key + value` concatenation. Twilio de-duplicates and sorts the values of a
 * repeated key; Mandrill's fields are never repeated, so the same rule serves both.
 */
export function sortedParams(fields: readonly [string, string][]): string {
  const byKey = new Map<string, Set<string>>();
  for (const [k, val] of fields) {
    let values = byKey.get(k);
    if (!values) byKey.set(k, (values = new Set()));
    values.add(val);
  }
  let out = "";
  for (const key of [...byKey.keys()].sort()) {
    for (const val of [...byKey.get(key)!].sort()) out += key + val;
  }
  return out;
}
