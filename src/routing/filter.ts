/**
 * Destination filters: a JSON match spec over a verified event's body, headers, path and query,
 * compiled once and evaluated with a step budget. Which destinations exist and what a miss records is the caller's.
 */
import { parseJson } from "../lib/json-field";
import { err, ok, type Result } from "../lib/result";
import { mediaType } from "../lib/headers";
import { parseForm } from "../verify/form";

export const MAX_SPEC_DEPTH = 16;
export const MAX_SPEC_NODES = 256;
export const MAX_IN_ENTRIES = 256;
export const MAX_SPEC_STRING_CHARS = 1024;
/** Elements looked at per array step; later elements are not seen, so hostile arrays cost a constant. */
export const MAX_ARRAY_ELEMENTS = 1000;
/** Nodes plus array elements visited per evaluation; past it the filter does not match. */
export const STEP_BUDGET = 10_000;
export const MAX_BODY_BYTES = 1024 * 1024;
const BUDGET_EXCEEDED = "budget exceeded";

type Prim = string | number | boolean | null;
type Section = "body" | "headers" | "query" | "path";
type Order = "$gt" | "$gte" | "$lt" | "$lte";
type Node = { readonly label: string } & (
  | { readonly k: "eq"; readonly v: Prim }
  | { readonly k: "in"; readonly set: ReadonlySet<unknown> }
  | { readonly k: "order"; readonly op: Order; readonly v: number | string; readonly numericText: boolean }
  | { readonly k: "$startsWith" | "$endsWith"; readonly v: string }
  | { readonly k: "contains"; readonly v: Prim }
  | { readonly k: "exists"; readonly v: boolean }
  | { readonly k: "not"; readonly c: Node }
  | { readonly k: "and" | "or"; readonly cs: readonly Node[] }
  | { readonly k: "field"; readonly keys: readonly string[]; readonly c: Node }
  | { readonly k: "section"; readonly section: Section; readonly c: Node }
);

export interface CompiledFilter {
  readonly root: Node;
}

export interface FilterInput {
  readonly body: unknown;
  readonly headers: Headers;
  readonly path: string;
  readonly query: URLSearchParams;
}

export type FilterOutcome = { readonly matched: true } | { readonly matched: false; readonly failed: string };

const OPERATORS = ["$eq", "$neq", "$in", "$nin", "$exists", "$gt", "$gte", "$lt", "$lte", "$startsWith", "$endsWith", "$contains", "$not", "$or", "$and"];
const LOGICAL = ["$not", "$or", "$and"];
const SECTIONS: readonly string[] = ["body", "headers", "query", "path"];
const INDEX = /^(0|[1-9]\d{0,8})$/;
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const DECIMAL = /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/;

class SpecError {
  constructor(readonly message: string) {}
}

/**
 * Where a spec fragment sits. `fields`: "nested" (body: dotted or nested names), "flat" (header or
 * query names, one level), "none" (a value: operators only). `text`: the value is a string, so
 * number and boolean operands are compared as their text.
 */
interface At {
  readonly err: string;
  readonly label: string;
  readonly depth: number;
  readonly fields: "nested" | "flat" | "none";
  readonly text: boolean;
  readonly lower: boolean;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const isPrim = (v: unknown): v is Prim => v === null || typeof v === "string" || typeof v === "boolean" || (typeof v === "number" && Number.isFinite(v));
const labelOf = (a: At, op: string) => (a.label === "" ? op : `${a.label} ${op}`);

export function compileFilter(spec: unknown, at = "filter"): Result<CompiledFilter, string> {
  let nodes = 0;
  const node = (n: Node): Node => {
    if (++nodes > MAX_SPEC_NODES) throw new SpecError(`${at}: more than ${MAX_SPEC_NODES} conditions`);
    return n;
  };
  const fail = (a: At, why: string): never => {
    throw new SpecError(`${a.err}: ${why}`);
  };
  const deeper = (a: At, key: string, by = 1): At => {
    if (key.length > MAX_SPEC_STRING_CHARS) fail(a, `key longer than ${MAX_SPEC_STRING_CHARS} characters`);
    const next = { ...a, err: `${a.err}.${key}`, depth: a.depth + by };
    return next.depth > MAX_SPEC_DEPTH ? fail(next, `nested deeper than ${MAX_SPEC_DEPTH} levels`) : next;
  };
  const prim = (a: At, v: unknown, what = "a string, number, boolean or null"): Prim => {
    if (!isPrim(v)) return fail(a, `must be ${what}`);
    if (typeof v === "string" && v.length > MAX_SPEC_STRING_CHARS) fail(a, `longer than ${MAX_SPEC_STRING_CHARS} characters`);
    return a.text && v !== null ? String(v) : v;
  };
  const all = (a: At, k: "and" | "or", cs: Node[]): Node => (cs.length === 1 ? cs[0]! : node({ k, cs, label: labelOf(a, `$${k}`) }));

  const list = (a: At, v: unknown, each: (el: unknown, a: At) => Node): Node[] => {
    if (!Array.isArray(v) || v.length === 0) return fail(a, "must be a non-empty array of conditions");
    return v.map((el, i) => each(el, deeper(a, String(i))));
  };

  function condition(spec: unknown, a: At): Node {
    if (!isObject(spec)) {
      if (Array.isArray(spec)) fail(a, "must be a value or an object of conditions (for a list of values use $in)");
      if (a.fields === "flat") fail(a, `must be an object of ${a.lower ? "header" : "parameter"} names`);
      return node({ k: "eq", v: prim(a, spec), label: labelOf(a, "$eq") });
    }
    const names = Object.keys(spec);
    // An empty object would match anything, which is rarely what "data": {} was meant to say.
    if (names.length === 0) fail(a, 'must not be empty (to test presence use {"$exists": true})');
    const parts: Node[] = [];
    for (const key of names) {
      const value = spec[key];
      if (key.startsWith("$")) {
        parts.push(operator(key, value, deeper(a, key)));
        continue;
      }
      if (a.fields === "none") fail(deeper(a, key), `a ${a.text ? "string" : "value"} has no fields; use an operator (${OPERATORS.join(", ")})`);
      // Headers.get throws on a name that is not a token, so refuse it here rather than at every event.
      if (a.lower && !HEADER_NAME.test(key)) fail(deeper(a, key), "not a header name");
      const name = a.lower ? key.toLowerCase() : key;
      const keys = a.fields === "nested" ? name.split(".") : [name];
      const inner = deeper({ ...a, label: a.label === "" ? name : `${a.label}.${name}` }, key, keys.length);
      parts.push(node({ k: "field", keys, c: condition(value, a.fields === "flat" ? { ...inner, fields: "none" } : inner), label: inner.label }));
    }
    return all(a, "and", parts);
  }

  // `a` already names the operator; its label is still the field's.
  function operator(op: string, v: unknown, a: At): Node {
    const label = labelOf(a, op);
    if (a.fields === "flat" && OPERATORS.includes(op) && !LOGICAL.includes(op)) fail(a, `use ${a.lower ? "header" : "parameter"} names here (or $or, $and, $not)`);
    switch (op) {
      case "$eq":
      case "$neq": {
        const eq = node({ k: "eq", v: prim(a, v), label });
        return op === "$eq" ? eq : node({ k: "not", c: eq, label });
      }
      case "$in":
      case "$nin": {
        const what = "an array of strings, numbers, booleans or null";
        if (!Array.isArray(v)) return fail(a, `must be ${what}`);
        if (v.length > MAX_IN_ENTRIES) fail(a, `more than ${MAX_IN_ENTRIES} entries`);
        const set = node({ k: "in", set: new Set(v.map((el) => prim(a, el, what))), label });
        return op === "$in" ? set : node({ k: "not", c: set, label });
      }
      case "$exists":
        return typeof v === "boolean" ? node({ k: "exists", v, label }) : fail(a, "must be true or false");
      case "$gt":
      case "$gte":
      case "$lt":
      case "$lte": {
        if (typeof v !== "number" && typeof v !== "string") return fail(a, "must be a number or a string");
        const operand = prim({ ...a, text: false }, v) as number | string;
        return node({ k: "order", op, v: operand, numericText: a.text && typeof v === "number", label });
      }
      case "$startsWith":
      case "$endsWith":
        return typeof v === "string" ? node({ k: op, v: prim(a, v) as string, label }) : fail(a, "must be a string");
      case "$contains":
        return node({ k: "contains", v: prim(a, v), label });
      case "$not":
        return node({ k: "not", c: condition(v, a), label });
      case "$or":
      case "$and":
        return node({ k: op === "$or" ? "or" : "and", cs: list(a, v, condition), label });
      default:
        return fail(a, `unknown operator (${OPERATORS.join(", ")})`);
    }
  }

  function top(spec: unknown, a: At): Node {
    if (!isObject(spec)) return fail(a, `must be an object with any of ${SECTIONS.join(", ")}, $or, $and, $not`);
    const parts: Node[] = [];
    for (const key of Object.keys(spec)) {
      const value = spec[key];
      const inner = deeper(a, key);
      if (key === "$or" || key === "$and") parts.push(node({ k: key === "$or" ? "or" : "and", cs: list(inner, value, top), label: key }));
      else if (key === "$not") parts.push(node({ k: "not", c: top(value, inner), label: key }));
      else if (SECTIONS.includes(key)) {
        const section = key as Section;
        const fields = section === "body" ? "nested" : section === "path" ? "none" : "flat";
        const c = condition(value, { ...inner, label: key, fields, text: section !== "body", lower: section === "headers" });
        parts.push(node({ k: "section", section, c, label: key }));
      } else fail(inner, `unknown key (${SECTIONS.join(", ")}, $or, $and, $not)`);
    }
    return all(a, "and", parts);
  }

  try {
    return ok(Object.freeze({ root: top(spec, { err: at, label: "", depth: 0, fields: "nested", text: false, lower: false }) }));
  } catch (e) {
    if (e instanceof SpecError) return err(e.message);
    throw e;
  }
}

interface Run {
  steps: number;
  readonly input: FilterInput;
}

const spent = (r: Run) => ++r.steps > STEP_BUDGET;

/** One step down a path. Arrays take index keys only; headers and query are read by name. */
function child(v: unknown, key: string): unknown {
  if (v instanceof Headers) return v.get(key) ?? undefined;
  if (v instanceof URLSearchParams) {
    const values = v.getAll(key);
    return values.length === 0 ? undefined : values.length === 1 ? values[0] : values;
  }
  if (Array.isArray(v)) return INDEX.test(key) ? v[Number(key)] : undefined;
  return isObject(v) && Object.hasOwn(v, key) ? v[key] : undefined;
}

/** True when `v`, or when it is an array any of its first elements, passes. */
function some(v: unknown, r: Run, test: (el: unknown) => boolean): boolean {
  if (!Array.isArray(v)) return test(v);
  for (let i = 0; i < Math.min(v.length, MAX_ARRAY_ELEMENTS); i++) if (!spent(r) && test(v[i])) return true;
  return false;
}

function ordered(op: Order, a: unknown, b: number | string, numericText: boolean): boolean {
  if (numericText && typeof a === "string" && DECIMAL.test(a)) a = Number(a);
  if (typeof a !== typeof b) return false;
  const x = a as number | string;
  const d = x < b ? -1 : x > b ? 1 : 0;
  return op === "$gt" ? d > 0 : op === "$gte" ? d >= 0 : op === "$lt" ? d < 0 : d <= 0;
}

/** Walks `keys[i..]` from `v`; a non-index key on an array tries each element (one level, not nested arrays). */
function walk(n: Extract<Node, { k: "field" }>, i: number, v: unknown, r: Run): string | null {
  if (i === n.keys.length) return run(n.c, v, r);
  const key = n.keys[i]!;
  if (!Array.isArray(v) || INDEX.test(key)) return walk(n, i + 1, child(v, key), r);
  // An empty array has no element to hold the field: the rest of the path is missing.
  if (v.length === 0) return run(n.c, undefined, r);
  let failed: string | null = null;
  for (let j = 0; j < Math.min(v.length, MAX_ARRAY_ELEMENTS); j++) {
    if (spent(r)) return BUDGET_EXCEEDED;
    const f = walk(n, i + 1, child(v[j], key), r);
    if (f === null) return null;
    failed ??= f;
  }
  return failed;
}

/** null when `n` holds for `v`, else the label of the first condition that did not. */
function run(n: Node, v: unknown, r: Run): string | null {
  if (spent(r)) return BUDGET_EXCEEDED;
  switch (n.k) {
    case "section":
      return run(n.c, r.input[n.section], r);
    case "field":
      return walk(n, 0, v, r);
    case "and":
      for (const c of n.cs) {
        const f = run(c, v, r);
        if (f !== null) return f;
      }
      return null;
    case "or":
      return n.cs.some((c) => run(c, v, r) === null) ? null : n.label;
    case "not":
      return run(n.c, v, r) === null ? n.label : null;
    case "exists":
      return (v !== undefined) === n.v ? null : n.label;
    case "contains":
      if (typeof v === "string") return typeof n.v === "string" && v.includes(n.v) ? null : n.label;
      return Array.isArray(v) && some(v, r, (el) => el === n.v) ? null : n.label;
    case "eq":
      return some(v, r, (el) => el === n.v) ? null : n.label;
    case "in":
      return some(v, r, (el) => n.set.has(el)) ? null : n.label;
    case "order":
      return some(v, r, (el) => ordered(n.op, el, n.v, n.numericText)) ? null : n.label;
    case "$startsWith":
    case "$endsWith": {
      const { k, v: affix } = n;
      return some(v, r, (el) => typeof el === "string" && (k === "$startsWith" ? el.startsWith(affix) : el.endsWith(affix))) ? null : n.label;
    }
  }
}

export function evaluate(f: CompiledFilter, input: FilterInput): FilterOutcome {
  const r: Run = { steps: 0, input };
  let failed: string | null;
  try {
    failed = run(f.root, undefined, r);
  } catch {
    // Only a body that is not plain data (a throwing getter, a proxy) gets here; it does not match.
    return { matched: false, failed: "unreadable input" };
  }
  // Checked last: a $not over a branch cut short would otherwise read as a match.
  if (r.steps > STEP_BUDGET) return { matched: false, failed: BUDGET_EXCEEDED };
  return failed === null ? { matched: true } : { matched: false, failed };
}

const textDecoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

/** Skips whitespace and a UTF-8 BOM, then looks for `{` or `[`. */
function looksLikeJson(body: Uint8Array): boolean {
  let i = body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf ? 3 : 0;
  while (body[i] === 0x20 || body[i] === 0x09 || body[i] === 0x0a || body[i] === 0x0d) i++;
  return body[i] === 0x7b || body[i] === 0x5b;
}

/** The body as matchable data: parsed JSON, form fields (repeated names as arrays), or undefined. */
export function eventFields(body: Uint8Array, contentType: string | null): unknown {
  if (body.byteLength > MAX_BODY_BYTES) return undefined;
  const type = mediaType(contentType);
  if (type === "application/x-www-form-urlencoded") {
    let pairs: [string, string][] | null;
    try {
      pairs = parseForm(textDecoder.decode(body));
    } catch {
      return undefined;
    }
    if (pairs === null) return undefined;
    // No prototype, so a field named __proto__ is a field like any other.
    const fields: Record<string, string | string[]> = Object.create(null);
    for (const [k, v] of pairs) {
      const prev = fields[k];
      if (prev === undefined) fields[k] = v;
      else if (Array.isArray(prev)) prev.push(v);
      else fields[k] = [prev, v];
    }
    return fields;
  }
  if (type === "application/json" || type?.endsWith("+json") || looksLikeJson(body)) return parseJson(body);
  return undefined;
}
