/**
 * Which route serves a request: the index of every route's host and path, kept in one KV
 * value so that an unknown host or path costs no read beyond the cached index.
 * Most specific wins: a named host over "*", exact over prefix, longer path over shorter.
 */

export interface IndexEntry {
  readonly id: string;
  readonly host: string;
  readonly path: string;
  readonly match: "exact" | "prefix";
}

export class RouteIndex {
  readonly entries: readonly IndexEntry[];

  constructor(entries: readonly IndexEntry[]) {
    this.entries = [...entries].sort(
      (a, b) =>
        Number(a.host === "*") - Number(b.host === "*") ||
        Number(a.match === "prefix") - Number(b.match === "prefix") ||
        b.path.length - a.path.length ||
        a.id.localeCompare(b.id),
    );
  }

  find(hostname: string, pathname: string): IndexEntry | undefined {
    // `hooks.example.com.` is the same host: without this it would fall through to a "*" route with other auth.
    // Every trailing dot goes, not only one: the URL parser keeps `hooks.example.com..` as is, and it
    // fell through to a "*" route (review finding). A loop, not /\.+$/, which backtracks on long dot runs.
    const lower = hostname.toLowerCase();
    let end = lower.length;
    while (end > 0 && lower.charCodeAt(end - 1) === 0x2e) end--;
    const host = lower.slice(0, end);
    return this.entries.find((e) => (e.host === "*" || e.host === host) && pathMatches(e, pathname));
  }
}

/** A prefix matches at a segment boundary: "/hooks" covers "/hooks" and "/hooks/x", not "/hooksx". */
export function pathMatches(entry: Pick<IndexEntry, "path" | "match">, pathname: string): boolean {
  if (entry.match === "exact") return pathname === entry.path;
  if (entry.path.endsWith("/")) return pathname.startsWith(entry.path) || pathname === entry.path.slice(0, -1);
  return pathname === entry.path || pathname.startsWith(`${entry.path}/`);
}
