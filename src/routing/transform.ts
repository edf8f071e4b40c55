/**
 * Declarative changes to a verified webhook on its way to one destination: headers, path and JSON body.
 * It only rewrites; the destination's proof of origin is the gateway's attestation, signed elsewhere over the result.
 */
import { HOP_BY_HOP, REQUEST_MANAGED } from "../lib/headers";
import { err, ok, type Result } from "../lib/result";

export interface CompiledTransform {
  readonly changesBody: boolean;
}
export interface Outgoing {
  readonly path: string;
  readonly headers: Headers;
  readonly body: Uint8Array;
}
export interface Transformed {
  readonly out: Outgoing;
  readonly bodySkipped?: "not_json_object";
}

type Path = readonly string[];
interface Plan {
  readonly remove: readonly string[];
  readonly rename: readonly (readonly [string, string])[];
  readonly set: readonly (readonly [string, string])[];
  /** The template split on `{path}`; undefined keeps the incoming path. */
  readonly path: readonly string[] | undefined;
  readonly pick: readonly Path[] | undefined;
  readonly move: readonly (readonly [Path, Path])[];
}
// Plans live here, not on the returned object, so a hand-made `{ changesBody }` can't reach applyTransform's internals.
const plans = new WeakMap<CompiledTransform, Plan>();

// Per list of entries, dotted-path depth, header value and name length, path template length.
const [MAX_ENTRIES, MAX_DEPTH, MAX_VALUE, MAX_NAME, MAX_PATH] = [64, 16, 8192, 256, 2048];
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/; // RFC 9110 §5.6.2
// Visible ASCII, space and tab: workerd would send anything else as UTF-8 or as raw control bytes.
const HEADER_TEXT = /^[\t\x20-\x7e]*$/;
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const PROTO = new Set(["__proto__", "constructor", "prototype"]);
// The attestation the destination checks: an operator who could set these could forge it.
const ATTESTATION = new Set(["webhook-id", "webhook-timestamp", "webhook-signature"]);

const reserved = (name: string) =>
  HOP_BY_HOP.has(name) || REQUEST_MANAGED.has(name) || ATTESTATION.has(name) || name.startsWith("x-hookgate-") || name.startsWith("x-forwarded-");

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v) && !isRaw(v);
/** A spec key as it appears in an error: as is when printable and short, else quoted and cut. */
const field = (at: string, key: string) => `${at}.${/^[\x21-\x7e]{1,64}$/.test(key) ? key : JSON.stringify(key.slice(0, 64))}`;
const quote = (v: unknown) => (typeof v === "string" ? `${JSON.stringify(v.slice(0, 64))} ` : "");

// Thrown only inside compileTransform, which turns the first one into its error: each check stays one line.
class Refusal extends Error {}
function refuse(at: string, message: string): never {
  throw new Refusal(`${at}: ${message}`);
}

function known(v: unknown, at: string, keys: readonly string[]): Obj {
  if (!isObj(v)) refuse(at, "must be an object");
  for (const k of Object.keys(v)) if (!keys.includes(k)) refuse(field(at, k), `is not a known field (expected ${keys.join(", ")})`);
  return v;
}
function entries(v: unknown, at: string, what: string): [string, unknown][] {
  if (!isObj(v)) refuse(at, `must be an object of ${what}`);
  return bounded(Object.entries(v), at);
}
function list(v: unknown, at: string, what: string): unknown[] {
  return Array.isArray(v) ? bounded(v, at) : refuse(at, `must be an array of ${what}`);
}
function bounded<T>(items: T[], at: string): T[] {
  return items.length > MAX_ENTRIES ? refuse(at, `has ${items.length} entries, at most ${MAX_ENTRIES}`) : items;
}

/** A header name the operator may touch, lower-cased (Headers compares names case-insensitively). */
function headerName(name: unknown, at: string, subject = ""): string {
  if (typeof name !== "string" || name.length > MAX_NAME || !TOKEN.test(name)) refuse(at, `${subject}is not a valid header name (an HTTP token of at most ${MAX_NAME} characters)`);
  const lower = name.toLowerCase();
  return reserved(lower) ? refuse(at, `${subject}is reserved for the gateway`) : lower;
}
/** Names must be distinct once lower-cased: "X-Team" and "x-team" are one header. */
function headerMap(v: unknown, at: string, what: string, value: (v: string, where: string) => string): [string, string][] {
  const seen = new Set<string>();
  return entries(v, at, what).map(([name, v]) => {
    const where = field(at, name);
    const n = headerName(name, where);
    if (seen.has(n)) refuse(where, `repeats ${n} (header names are case-insensitive)`);
    seen.add(n);
    return [n, typeof v === "string" ? value(v, where) : refuse(where, "must be a string")];
  });
}
function headerValue(v: string, at: string): string {
  return v.length <= MAX_VALUE && HEADER_TEXT.test(v) ? v : refuse(at, `value must be printable ASCII (no CR, LF or NUL), at most ${MAX_VALUE} characters`);
}

function dotted(v: unknown, at: string): Path {
  if (typeof v !== "string") refuse(at, "must be a dotted path string");
  const segments = v.split(".");
  if (segments.length > MAX_DEPTH) refuse(at, `is ${segments.length} levels deep, at most ${MAX_DEPTH}`);
  if (segments.includes("")) refuse(at, 'must be a dotted path like "data.object.id" (no empty segments)');
  const bad = segments.find((s) => PROTO.has(s));
  return bad ? refuse(at, `may not use "${bad}" as a segment`) : segments;
}

function pathTemplate(v: unknown, at: string): string[] {
  if (typeof v !== "string") refuse(at, "must be a string");
  if (v.length > MAX_PATH) refuse(at, `is longer than ${MAX_PATH} characters`);
  if (!v.startsWith("/")) refuse(at, 'must start with "/"');
  // {path} always begins with "/", so "/{path}" would start with "//" too (a protocol-relative URL).
  if (v.startsWith("//") || v.startsWith("/{path}")) refuse(at, 'may not start with "//"');
  if (CONTROL.test(v)) refuse(at, "may not contain control characters");
  if (v.includes("?") || v.includes("#")) refuse(at, 'may not contain "?" or "#" (the incoming query string is kept)');
  // URL parsers resolve "%2e%2e" like ".." and treat "\" as "/".
  if (v.includes("..") || /%2e/i.test(v) || v.includes("\\")) refuse(at, 'may not contain "..", "%2e" or "\\"');
  const parts = v.split("{path}");
  return parts.some((p) => p.includes("{") || p.includes("}")) ? refuse(at, "may only use the {path} placeholder") : parts;
}

function plan(spec: unknown, at: string): Plan {
  const { headers, path, body } = known(spec, at, ["headers", "path", "body"]);
  const h = headers === undefined ? {} : known(headers, `${at}.headers`, ["set", "remove", "rename"]);
  const b = body === undefined ? {} : known(body, `${at}.body`, ["pick", "rename"]);
  const remove = h.remove === undefined ? [] : list(h.remove, `${at}.headers.remove`, "header names").map((n, i) => headerName(n, `${at}.headers.remove.${i}`, quote(n)));
  const rename = h.rename === undefined ? [] : headerMap(h.rename, `${at}.headers.rename`, "header name to new name", (to, where) => headerName(to, where, `target ${quote(to)}`));
  const set = h.set === undefined ? [] : headerMap(h.set, `${at}.headers.set`, "header name to value", headerValue);
  const picks = b.pick === undefined ? undefined : list(b.pick, `${at}.body.pick`, "dotted paths");
  // An empty pick would send "{}": a mistake rather than a wish.
  if (picks?.length === 0) refuse(`${at}.body.pick`, "must list at least one field");
  const moves = b.rename === undefined ? [] : entries(b.rename, `${at}.body.rename`, "dotted path to dotted path");
  return {
    remove,
    rename,
    set,
    path: path === undefined ? undefined : pathTemplate(path, `${at}.path`),
    pick: picks?.map((p, i) => dotted(p, `${at}.body.pick.${i}`)),
    move: moves.map(([from, to]) => [dotted(from, field(`${at}.body.rename`, from)), dotted(to, `${field(`${at}.body.rename`, from)} (target)`)]),
  };
}

export function compileTransform(spec: unknown, at = "transform"): Result<CompiledTransform, string> {
  let p: Plan;
  try {
    p = plan(spec, at);
  } catch (e) {
    if (e instanceof Refusal) return err(e.message);
    throw e;
  }
  const compiled: CompiledTransform = Object.freeze({ changesBody: p.pick !== undefined || p.move.length > 0 });
  plans.set(compiled, p);
  return ok(compiled);
}

// Numbers whose text JSON.parse would not reproduce (ids beyond 2^53, "1.10", "1e400") are kept as their
// source text where the runtime has JSON.rawJSON (workerd does), so a picked or moved field is not altered.
// That reviver parses ~8x slower, so it runs only when the text has such a number: an exponent, -0, a
// fraction ending in 0, below 1e-6 or 16+ digits. A match inside a string costs speed, never correctness.
const INEXACT = /[0-9][eE]|\.[0-9]*0(?![0-9])|-0(?![0-9.])|\.0{6}|[0-9](?:\.?[0-9]){15}/;
const { rawJSON, isRawJSON } = JSON as JSON & { rawJSON?: (text: string) => unknown; isRawJSON?: (v: unknown) => boolean };
const isRaw = (v: unknown) => isRawJSON?.(v) === true;
function keepNumberText(_key: string, value: unknown, context?: { source?: string }): unknown {
  const source = context?.source;
  return typeof value === "number" && rawJSON && source !== undefined && String(value) !== source ? rawJSON(source) : value;
}
const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });
const encoder = new TextEncoder();

function parseObject(bytes: Uint8Array): Obj | undefined {
  try {
    const text = decoder.decode(bytes);
    const v: unknown = rawJSON && INEXACT.test(text) ? JSON.parse(text, keepNumberText) : JSON.parse(text);
    return isObj(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

// Own properties only, never a prototype key: a body's "__proto__" is data, not a way up the chain.
const own = (o: Obj, key: string) => !PROTO.has(key) && Object.hasOwn(o, key);

/** The object holding the field at `path`; undefined when any step is missing or not an object. */
function holder(root: Obj, path: Path): Obj | undefined {
  let at = root;
  for (const key of path.slice(0, -1)) {
    const next = own(at, key) ? at[key] : undefined;
    if (!isObj(next)) return undefined;
    at = next;
  }
  return own(at, path[path.length - 1]!) ? at : undefined;
}

/** Places value at path, creating missing levels; false (nothing created) when a level is not an object. */
function put(root: Obj, path: Path, value: unknown): boolean {
  if (path.some((key) => PROTO.has(key))) return false;
  let at = root;
  for (const key of path.slice(0, -1)) {
    if (!Object.hasOwn(at, key)) at[key] = Object.create(null) as Obj;
    const next = at[key];
    if (!isObj(next)) return false;
    at = next;
  }
  at[path[path.length - 1]!] = value;
  return true;
}

function move(doc: Obj, from: Path, to: Path): boolean {
  if (from.join(".") === to.join(".")) return false;
  const parent = holder(doc, from);
  if (!parent) return false;
  const key = from[from.length - 1]!;
  const value = parent[key];
  delete parent[key]; // first, so "a" → "a.b" nests a's value rather than failing on it
  if (put(doc, to, value)) {
    pruneEmptied(doc, from.slice(0, -1));
    return true;
  }
  parent[key] = value; // target runs through a non-object: the field stays
  return false;
}

/**
 * Drops the objects along `path` that a move left empty, deepest first: picking `data.amount`
 * and renaming it to `amount` gives `{ amount }`, not `{ data: {}, amount }`.
 */
function pruneEmptied(doc: Obj, path: Path): void {
  for (let depth = path.length; depth > 0; depth--) {
    const parent = holderValue(doc, path.slice(0, depth - 1));
    const key = path[depth - 1]!;
    if (!isObj(parent) || !own(parent, key)) return;
    const child = parent[key];
    if (!isObj(child) || Object.keys(child).length > 0) return;
    delete parent[key];
  }
}

/** The object at `path` (the document itself for an empty path); undefined when a step is missing or not an object. */
function holderValue(doc: Obj, path: Path): unknown {
  let at: unknown = doc;
  for (const key of path) {
    if (!isObj(at) || !own(at, key)) return undefined;
    at = at[key];
  }
  return at;
}

/** New body bytes, the same bytes when nothing moved, or undefined when the body is not a JSON object. */
function transformBody(plan: Plan, bytes: Uint8Array): Uint8Array | undefined {
  const root = parseObject(bytes);
  if (!root) return undefined;
  let doc = root;
  let touched = false;
  if (plan.pick) {
    doc = Object.create(null) as Obj;
    for (const p of plan.pick) {
      const parent = holder(root, p);
      if (parent) put(doc, p, parent[p[p.length - 1]!]);
    }
    touched = true;
  }
  for (const [from, to] of plan.move) touched = move(doc, from, to) || touched;
  if (!touched) return bytes;
  try {
    return encoder.encode(JSON.stringify(doc));
  } catch {
    return undefined; // too deep for the runtime to serialise: treated like a body it cannot read
  }
}

export function applyTransform(t: CompiledTransform, req: Outgoing): Transformed {
  const headers = new Headers(req.headers);
  const plan = plans.get(t);
  if (!plan) return { out: { ...req, headers } };
  for (const name of plan.remove) headers.delete(name);
  for (const [from, to] of plan.rename) {
    const value = headers.get(from);
    if (value === null) continue;
    headers.delete(from);
    headers.set(to, value);
  }
  for (const [name, value] of plan.set) headers.set(name, value);

  let path = req.path;
  if (plan.path) {
    const q = path.indexOf("?");
    const [pathname, query] = q < 0 ? [path, ""] : [path.slice(0, q), path.slice(q)];
    path = plan.path.join(pathname) + query;
  }

  if (!t.changesBody) return { out: { path, headers, body: req.body } };
  const body = transformBody(plan, req.body);
  if (!body) return { out: { path, headers, body: req.body }, bodySkipped: "not_json_object" };
  if (body !== req.body) {
    // After the header operations: the body is JSON now, whatever an operator set.
    headers.set("content-type", "application/json");
    headers.delete("content-length");
  }
  return { out: { path, headers, body } };
}
