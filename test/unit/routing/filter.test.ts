/** Destination filters: each operator both ways, paths and arrays, the four sections, spec errors by field, and bounded evaluation. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  compileFilter,
  evaluate,
  eventFields,
  MAX_ARRAY_ELEMENTS,
  STEP_BUDGET,
  type CompiledFilter,
  type FilterInput,
} from "../../../src/routing/filter";

interface Extra {
  readonly headers?: Record<string, string>;
  readonly path?: string;
  readonly query?: string;
}

const inputOf = (body: unknown, extra: Extra = {}): FilterInput => ({
  body,
  headers: new Headers(extra.headers),
  path: extra.path ?? "/hooks/stripe",
  query: new URLSearchParams(extra.query ?? ""),
});

function compiled(spec: unknown): CompiledFilter {
  const c = compileFilter(spec);
  if (!c.ok) throw new Error(c.error);
  return c.value;
}

const run = (spec: unknown, body: unknown, extra?: Extra) => evaluate(compiled(spec), inputOf(body, extra));
const matches = (spec: unknown, body: unknown, extra?: Extra) => run(spec, body, extra).matched;
const compileError = (spec: unknown) => {
  const c = compileFilter(spec);
  return c.ok ? "compiled" : c.error;
};

const invoice = {
  type: "invoice.paid",
  livemode: false,
  count: 3,
  note: null,
  created: "2024-05-01T10:00:00Z",
  tags: ["billing", "eu"],
  data: { object: { amount: 250, currency: "eur", lines: [{ sku: "a-1", qty: 2 }, { sku: "b-2", qty: 1 }] } },
};

describe("filter operators on body fields", () => {
  it.each<[string, unknown, boolean]>([
    ["plain string equal", { type: "invoice.paid" }, true],
    ["plain string different", { type: "invoice.failed" }, false],
    ["plain number equal", { count: 3 }, true],
    ["plain number is not its text", { count: "3" }, false],
    ["plain boolean equal", { livemode: false }, true],
    ["plain boolean is not 0", { livemode: 0 }, false],
    ["null equals null", { note: null }, true],
    ["null does not equal a missing field", { missing: null }, false],
    ["$eq equal", { type: { $eq: "invoice.paid" } }, true],
    ["$eq different", { type: { $eq: "x" } }, false],
    ["$neq different", { type: { $neq: "x" } }, true],
    ["$neq equal", { type: { $neq: "invoice.paid" } }, false],
    ["$neq on a missing field", { missing: { $neq: "x" } }, true],
    ["$in listed", { type: { $in: ["invoice.paid", "invoice.failed"] } }, true],
    ["$in not listed", { type: { $in: ["charge.refunded"] } }, false],
    ["$in is strict", { count: { $in: ["3"] } }, false],
    ["$nin not listed", { type: { $nin: ["charge.refunded"] } }, true],
    ["$nin listed", { type: { $nin: ["invoice.paid"] } }, false],
    ["$exists true on a present field", { note: { $exists: true } }, true],
    ["$exists true on a missing field", { missing: { $exists: true } }, false],
    ["$exists false on a missing field", { missing: { $exists: false } }, true],
    ["$exists false on a present field", { type: { $exists: false } }, false],
    ["$gt above", { count: { $gt: 2 } }, true],
    ["$gt equal", { count: { $gt: 3 } }, false],
    ["$gte equal", { count: { $gte: 3 } }, true],
    ["$gte below", { count: { $gte: 4 } }, false],
    ["$lt below", { count: { $lt: 4 } }, true],
    ["$lt equal", { count: { $lt: 3 } }, false],
    ["$lte equal", { count: { $lte: 3 } }, true],
    ["$lte above", { count: { $lte: 2 } }, false],
    ["$gt on a number's text", { count: { $gt: "2" } }, false],
    ["$gte ISO timestamps as strings", { created: { $gte: "2024-01-01" } }, true],
    ["$lt ISO timestamps as strings", { created: { $lt: "2024-01-01" } }, false],
    ["$gt on a missing field", { missing: { $gt: 0 } }, false],
    ["$startsWith prefix", { type: { $startsWith: "invoice." } }, true],
    ["$startsWith other", { type: { $startsWith: "charge." } }, false],
    ["$endsWith suffix", { type: { $endsWith: ".paid" } }, true],
    ["$endsWith other", { type: { $endsWith: ".failed" } }, false],
    ["$startsWith on a number", { count: { $startsWith: "3" } }, false],
    ["$contains substring", { type: { $contains: "ice.p" } }, true],
    ["$contains other", { type: { $contains: "refund" } }, false],
    ["$contains array member", { tags: { $contains: "eu" } }, true],
    ["$contains array non-member", { tags: { $contains: "us" } }, false],
    ["$contains a number in a string", { type: { $contains: 1 } }, false],
    ["$not inverts a match", { type: { $not: { $startsWith: "charge." } } }, true],
    ["$not inverts a miss", { type: { $not: "invoice.paid" } }, false],
    ["$or one holds", { type: { $or: ["x", { $endsWith: ".paid" }] } }, true],
    ["$or none holds", { type: { $or: ["x", "y"] } }, false],
    ["$and all hold", { count: { $and: [{ $gt: 1 }, { $lt: 5 }] } }, true],
    ["$and one fails", { count: { $and: [{ $gt: 1 }, { $lt: 3 }] } }, false],
    ["operators side by side are all required", { count: { $gt: 1, $lt: 3 } }, false],
  ])("%s", (_name, body, expected) => {
    expect(matches({ body }, invoice)).toBe(expected);
  });
});

describe("filter paths and arrays", () => {
  it.each<[string, unknown, boolean]>([
    ["nested objects", { data: { object: { amount: { $gte: 100 } } } }, true],
    ["nested objects, no match", { data: { object: { amount: { $gte: 1000 } } } }, false],
    ["dotted key", { "data.object.amount": { $gte: 100 } }, true],
    ["dotted key inside a nested one", { data: { "object.currency": "eur" } }, true],
    ["missing step", { "data.nothing.amount": 1 }, false],
    ["step through a primitive", { "type.length": 12 }, false],
    ["array index", { "data.object.lines.1.sku": "b-2" }, true],
    ["array index, other element", { "data.object.lines.0.sku": "b-2" }, false],
    ["array index out of range", { "data.object.lines.9.sku": { $exists: true } }, false],
    ["field of any element", { "data.object.lines.sku": "b-2" }, true],
    ["field of no element", { "data.object.lines.sku": "c-3" }, false],
    ["each nested field may hold on a different element", { "data.object.lines": { sku: "a-1", qty: 1 } }, true],
    ["an index pins one element", { "data.object.lines.0": { sku: "a-1", qty: 1 } }, false],
    ["plain value against any element", { tags: "eu" }, true],
    ["plain value against no element", { tags: "us" }, false],
    ["$in against any element", { tags: { $in: ["us", "billing"] } }, true],
    ["$startsWith against any element", { tags: { $startsWith: "bill" } }, true],
    ["$neq means no element equals", { tags: { $neq: "eu" } }, false],
    ["$nin means no element is listed", { tags: { $nin: ["us", "ca"] } }, true],
    ["$exists is about the array itself", { tags: { $exists: true } }, true],
  ])("%s", (_name, body, expected) => {
    expect(matches({ body }, invoice)).toBe(expected);
  });

  it("treats the fields of an empty array as missing", () => {
    expect(matches({ body: { "items.sku": { $exists: false } } }, { items: [] })).toBe(true);
    expect(matches({ body: { "items.sku": "x" } }, { items: [] })).toBe(false);
  });

  it("does not descend into arrays nested in arrays", () => {
    expect(matches({ body: { "items.sku": "x" } }, { items: [[{ sku: "x" }]] })).toBe(false);
    expect(matches({ body: { "items.0.0.sku": "x" } }, { items: [[{ sku: "x" }]] })).toBe(true);
  });

  it("reads only own properties, never the prototype", () => {
    expect(matches({ body: { constructor: { $exists: true } } }, {})).toBe(false);
    expect(matches({ body: { "__proto__.polluted": { $exists: true } } }, {})).toBe(false);
    expect(matches({ body: { "a.toString": { $exists: true } } }, { a: {} })).toBe(false);
    expect(matches({ body: { "tags.length": 2 } }, { tags: ["a", "b"] })).toBe(false);
    expect(matches(JSON.parse('{"body":{"__proto__":"own"}}'), JSON.parse('{"__proto__":"own"}'))).toBe(true);
  });

  it("looks at the first elements of an array only", () => {
    const items = Array.from({ length: MAX_ARRAY_ELEMENTS + 5 }, (_, i) => i);
    expect(matches({ body: { items: MAX_ARRAY_ELEMENTS - 1 } }, { items })).toBe(true);
    expect(matches({ body: { items: MAX_ARRAY_ELEMENTS } }, { items })).toBe(false);
  });
});

describe("filter sections", () => {
  it("matches header names case-insensitively and values as strings", () => {
    const extra = { headers: { "X-GitHub-Event": "push", "X-Attempt": "2" } };
    expect(matches({ headers: { "x-github-event": "push" } }, {}, extra)).toBe(true);
    expect(matches({ headers: { "X-GITHUB-EVENT": "push" } }, {}, extra)).toBe(true);
    expect(matches({ headers: { "x-github-event": "PUSH" } }, {}, extra)).toBe(false);
    expect(matches({ headers: { "x-attempt": 2 } }, {}, extra)).toBe(true);
    expect(matches({ headers: { "x-attempt": { $in: [1, 2] } } }, {}, extra)).toBe(true);
    expect(matches({ headers: { "x-attempt": { $gte: 2, $lt: 10 } } }, {}, extra)).toBe(true);
    expect(matches({ headers: { "x-missing": { $exists: false } } }, {}, extra)).toBe(true);
    expect(matches({ headers: { "x-missing": { $neq: "a" } } }, {}, extra)).toBe(true);
  });

  it("compares a header with a number operand by its decimal value only when it is one", () => {
    expect(matches({ headers: { "x-n": { $gt: 9 } } }, {}, { headers: { "x-n": "10" } })).toBe(true);
    expect(matches({ headers: { "x-n": { $gt: "9" } } }, {}, { headers: { "x-n": "10" } })).toBe(false);
    expect(matches({ headers: { "x-n": { $gt: 9 } } }, {}, { headers: { "x-n": "10 apples" } })).toBe(false);
  });

  it("gives a query parameter given once as a string and a repeated one as an array", () => {
    const extra = { query: "source=stripe&tag=a&tag=b&n=5" };
    expect(matches({ query: { source: "stripe" } }, {}, extra)).toBe(true);
    expect(matches({ query: { Source: "stripe" } }, {}, extra)).toBe(false);
    expect(matches({ query: { tag: "b" } }, {}, extra)).toBe(true);
    expect(matches({ query: { tag: { $contains: "a" } } }, {}, extra)).toBe(true);
    expect(matches({ query: { tag: { $nin: ["a"] } } }, {}, extra)).toBe(false);
    expect(matches({ query: { n: 5 } }, {}, extra)).toBe(true);
    expect(matches({ query: { absent: { $exists: true } } }, {}, extra)).toBe(false);
  });

  it("matches the path as a string", () => {
    expect(matches({ path: "/hooks/stripe" }, {})).toBe(true);
    expect(matches({ path: { $startsWith: "/hooks/" } }, {})).toBe(true);
    expect(matches({ path: { $endsWith: "/github" } }, {})).toBe(false);
    expect(matches({ path: { $in: ["/a", "/hooks/stripe"] } }, {})).toBe(true);
  });

  it("requires every section given", () => {
    const spec = { body: { type: "invoice.paid" }, headers: { "x-github-event": "push" }, path: { $startsWith: "/hooks/" } };
    expect(matches(spec, invoice, { headers: { "x-github-event": "push" } })).toBe(true);
    expect(run(spec, invoice, { headers: { "x-github-event": "ping" } })).toEqual({ matched: false, failed: "headers.x-github-event $eq" });
  });

  it("matches everything with an empty filter", () => {
    expect(matches({}, undefined)).toBe(true);
  });
});

describe("filter logic at the top level and nested", () => {
  const push = { headers: { "x-github-event": "push" } };

  it("$or across sections holds when either does", () => {
    const spec = { $or: [{ body: { type: "charge.refunded" } }, { headers: { "x-github-event": "push" } }] };
    expect(matches(spec, invoice, push)).toBe(true);
    expect(matches(spec, invoice)).toBe(false);
  });

  it("$and across sections needs all", () => {
    const spec = { $and: [{ body: { type: "invoice.paid" } }, { headers: { "x-github-event": "push" } }] };
    expect(matches(spec, invoice, push)).toBe(true);
    expect(matches(spec, invoice)).toBe(false);
  });

  it("$not at the top level inverts a whole filter", () => {
    const spec = { $not: { body: { livemode: false }, path: { $startsWith: "/hooks" } } };
    expect(matches(spec, invoice)).toBe(false);
    expect(matches(spec, invoice, { path: "/other" })).toBe(true);
  });

  it("$or among body fields and inside headers", () => {
    expect(matches({ body: { $or: [{ type: "x" }, { "data.object.currency": "eur" }] } }, invoice)).toBe(true);
    expect(matches({ body: { $or: [{ type: "x" }, { "data.object.currency": "usd" }] } }, invoice)).toBe(false);
    expect(matches({ headers: { $or: [{ "x-a": "1" }, { "x-b": "2" }] } }, {}, { headers: { "x-b": "2" } })).toBe(true);
    expect(matches({ headers: { $not: { "x-a": "1" } } }, {}, { headers: { "x-a": "1" } })).toBe(false);
  });

  it("$and and $not nested under a field", () => {
    expect(matches({ body: { data: { $and: [{ "object.amount": { $gt: 100 } }, { $not: { "object.currency": "usd" } }] } } }, invoice)).toBe(true);
  });
});

describe("what failed", () => {
  it.each<[unknown, string]>([
    [{ body: { type: { $in: ["a", "b"] } } }, "body.type $in"],
    [{ body: { data: { object: { amount: { $gte: 1000 } } } } }, "body.data.object.amount $gte"],
    [{ body: { "data.object.amount": { $gte: 1000 } } }, "body.data.object.amount $gte"],
    [{ body: { type: "invoice.paid", count: 4 } }, "body.count $eq"],
    [{ body: { type: { $neq: "invoice.paid" } } }, "body.type $neq"],
    [{ body: { type: { $or: ["a", "b"] } } }, "body.type $or"],
    [{ body: { type: { $not: { $exists: true } } } }, "body.type $not"],
    [{ $or: [{ body: { type: "a" } }, { path: "/x" }] }, "$or"],
    [{ $not: { body: { type: "invoice.paid" } } }, "$not"],
    [{ path: { $startsWith: "/other" } }, "path $startsWith"],
    [{ query: { n: { $exists: true } } }, "query.n $exists"],
  ])("%j fails as %s", (spec, failed) => {
    expect(run(spec, invoice)).toEqual({ matched: false, failed });
  });
});

describe("form bodies", () => {
  const bytes = (s: string) => new TextEncoder().encode(s);
  const form = "application/x-www-form-urlencoded; charset=utf-8";

  it("parses fields, with repeated names as an array", () => {
    const body = eventFields(bytes("Body=hello+world&From=%2B15551234&tag=a&tag=b"), form);
    expect(body).toEqual({ Body: "hello world", From: "+15551234", tag: ["a", "b"] });
    expect(matches({ body: { From: { $startsWith: "+1" }, tag: "b" } }, body)).toBe(true);
    expect(matches({ body: { Body: "hello" } }, body)).toBe(false);
  });

  it("keeps a field named __proto__ as a field", () => {
    const body = eventFields(bytes("__proto__=x&a=1"), form);
    expect(matches(JSON.parse('{"body":{"__proto__":"x","a":"1"}}'), body)).toBe(true);
  });

  it("gives undefined for malformed encoding", () => {
    expect(eventFields(bytes("a=%E0%A4%A"), form)).toBeUndefined();
    expect(eventFields(new Uint8Array([0x61, 0x3d, 0xff]), form)).toBeUndefined();
  });
});

describe("eventFields", () => {
  const bytes = (s: string) => new TextEncoder().encode(s);

  it.each<[string, string | null, unknown]>([
    ['{"a":1}', "application/json", { a: 1 }],
    ['{"a":1}', "application/vnd.api+json; charset=utf-8", { a: 1 }],
    ['  \n[1,2]', null, [1, 2]],
    ['\uFEFF{"a":1}', "text/plain", { a: 1 }],
    ['"text"', "application/json", "text"],
    ["not json", "application/json", undefined],
    ["{broken", null, undefined],
    ["plain words", "text/plain", undefined],
    ["<xml/>", "application/xml", undefined],
  ])("%j as %s", (text, type, expected) => {
    expect(eventFields(bytes(text), type)).toEqual(expected);
  });

  it("does not parse bodies over 1 MiB", () => {
    const big = bytes(JSON.stringify({ pad: "x".repeat(1024 * 1024) }));
    expect(eventFields(big, "application/json")).toBeUndefined();
  });

  it("never throws on arbitrary bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.constantFrom(null, "application/json", "application/x-www-form-urlencoded", "text/plain"), (body, type) => {
        eventFields(body, type);
      }),
    );
  });
});

describe("compile errors name the field", () => {
  it.each<[string, unknown, string]>([
    ["not an object", [], "filter: must be an object with any of body, headers, query, path, $or, $and, $not"],
    ["unknown top-level key", { bodyy: {} }, "filter.bodyy: unknown key (body, headers, query, path, $or, $and, $not)"],
    ["unknown operator", { body: { x: { $regex: "a" } } }, "filter.body.x.$regex: unknown operator ($eq, $neq, $in, $nin, $exists, $gt, $gte, $lt, $lte, $startsWith, $endsWith, $contains, $not, $or, $and)"],
    ["$in not an array", { body: { type: { $in: "a" } } }, "filter.body.type.$in: must be an array of strings, numbers, booleans or null"],
    ["$in with an object", { body: { type: { $in: [{}] } } }, "filter.body.type.$in: must be an array of strings, numbers, booleans or null"],
    ["$exists not boolean", { body: { type: { $exists: 1 } } }, "filter.body.type.$exists: must be true or false"],
    ["$gt on a boolean", { body: { n: { $gt: true } } }, "filter.body.n.$gt: must be a number or a string"],
    ["$startsWith not a string", { body: { n: { $startsWith: 1 } } }, "filter.body.n.$startsWith: must be a string"],
    ["$eq with an object", { body: { n: { $eq: {} } } }, "filter.body.n.$eq: must be a string, number, boolean or null"],
    ["$contains with an array", { body: { n: { $contains: [1] } } }, "filter.body.n.$contains: must be a string, number, boolean or null"],
    ["$or empty", { body: { $or: [] } }, "filter.body.$or: must be a non-empty array of conditions"],
    ["$and not an array", { $and: {} }, "filter.$and: must be a non-empty array of conditions"],
    ["error inside $or names the index", { $or: [{ body: { a: 1 } }, { body: { a: { $in: 1 } } }] }, "filter.$or.1.body.a.$in: must be an array of strings, numbers, booleans or null"],
    ["array as a plain value", { body: { tags: ["a"] } }, "filter.body.tags: must be a value or an object of conditions (for a list of values use $in)"],
    ["empty condition", { body: { data: {} } }, 'filter.body.data: must not be empty (to test presence use {"$exists": true})'],
    ["headers not an object", { headers: "push" }, "filter.headers: must be an object of header names"],
    ["not a header name", { headers: { "x a": "1" } }, "filter.headers.x a: not a header name"],
    ["operator where header names go", { headers: { $eq: "x" } }, "filter.headers.$eq: use header names here (or $or, $and, $not)"],
    ["field below a header", { headers: { "x-a": { b: 1 } } }, "filter.headers.x-a.b: a string has no fields; use an operator ($eq, $neq, $in, $nin, $exists, $gt, $gte, $lt, $lte, $startsWith, $endsWith, $contains, $not, $or, $and)"],
    ["field below the path", { path: { a: 1 } }, "filter.path.a: a string has no fields; use an operator ($eq, $neq, $in, $nin, $exists, $gt, $gte, $lt, $lte, $startsWith, $endsWith, $contains, $not, $or, $and)"],
    ["string too long", { body: { a: "x".repeat(1025) } }, "filter.body.a: longer than 1024 characters"],
    ["key too long", { body: { ["k".repeat(1025)]: 1 } }, "filter.body: key longer than 1024 characters"],
    ["$in too long", { body: { a: { $in: Array.from({ length: 257 }, (_, i) => i) } } }, "filter.body.a.$in: more than 256 entries"],
  ])("%s", (_name, spec, error) => {
    expect(compileError(spec)).toBe(error);
  });

  it("uses the given location as the prefix", () => {
    expect(compileFilter({ body: { x: { $regex: "a" } } }, "routes.stripe.destinations[0].filter")).toMatchObject({
      ok: false,
      error: expect.stringMatching(/^routes\.stripe\.destinations\[0\]\.filter\.body\.x\.\$regex: unknown operator/),
    });
  });
});

describe("compile bounds", () => {
  const nested = (levels: number): unknown => {
    let spec: unknown = 1;
    for (let i = 0; i < levels; i++) spec = { a: spec };
    return { body: spec };
  };

  it("accepts 15 nested fields and refuses 16 (17 levels with body)", () => {
    expect(compileFilter(nested(15)).ok).toBe(true);
    expect(compileError(nested(16))).toMatch(/^filter\.body(\.a){16}: nested deeper than 16 levels$/);
  });

  it("counts dotted segments as levels", () => {
    expect(compileError({ body: { [Array.from({ length: 16 }, () => "a").join(".")]: 1 } })).toMatch(/nested deeper than 16 levels$/);
  });

  it("refuses more than 256 conditions", () => {
    const body = Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`f${i}`, i]));
    expect(compileFilter({ body: Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`f${i}`, i])) }).ok).toBe(true);
    expect(compileError({ body })).toBe("filter: more than 256 conditions");
  });
});

describe("filter properties", () => {
  const specPart = fc.letrec((tie) => ({
    cond: fc.oneof(
      { depthSize: "small" },
      fc.oneof(fc.string({ maxLength: 5 }), fc.integer({ min: -5, max: 5 }), fc.boolean(), fc.constant(null)),
      fc.record({ $in: fc.array(fc.oneof(fc.string({ maxLength: 3 }), fc.integer({ min: -3, max: 3 })), { maxLength: 4 }) }, { requiredKeys: [] }),
      fc.record({ $gt: fc.integer({ min: -5, max: 5 }), $lte: fc.string({ maxLength: 3 }) }, { requiredKeys: [] }),
      fc.record({ $exists: fc.boolean(), $contains: fc.string({ maxLength: 2 }), $startsWith: fc.string({ maxLength: 2 }) }, { requiredKeys: [] }),
      fc.record({ $not: tie("cond") }),
      fc.record({ $or: fc.array(tie("cond"), { minLength: 1, maxLength: 3 }) }),
      fc.dictionary(fc.constantFrom("a", "b", "0", "a.b", "items", "__proto__", "constructor"), tie("cond"), { minKeys: 1, maxKeys: 3 }),
    ),
  })).cond;
  const spec = fc.record(
    { body: specPart, headers: fc.dictionary(fc.constantFrom("x-a", "X-B"), specPart, { maxKeys: 2 }), path: specPart, query: fc.dictionary(fc.constantFrom("a", "b"), specPart, { maxKeys: 2 }) },
    { requiredKeys: [] },
  );
  const extra = fc.record({
    headers: fc.dictionary(fc.constantFrom("x-a", "x-b"), fc.string({ maxLength: 4 }), { maxKeys: 2 }),
    path: fc.string({ maxLength: 6 }),
    query: fc.string({ maxLength: 10 }),
  });

  it("compileFilter returns ok or err for any JSON value", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        for (const spec of [value, { body: value }, { headers: value }, { $or: [value] }]) {
          const c = compileFilter(spec);
          if (!c.ok) expect(c.error).toMatch(/^filter[.:]/);
        }
      }),
      { numRuns: 500 },
    );
  });

  it("evaluate returns a boolean match for any compiled filter over any JSON body", () => {
    fc.assert(
      fc.property(spec, fc.jsonValue(), extra, (s, body, more) => {
        const c = compileFilter(s);
        if (!c.ok) return;
        const out = evaluate(c.value, inputOf(body, more));
        expect(typeof out.matched).toBe("boolean");
        if (!out.matched) expect(typeof out.failed).toBe("string");
      }),
      { numRuns: 1000 },
    );
  });

  it("$not is the complement of its condition", () => {
    fc.assert(
      fc.property(specPart, fc.jsonValue(), (cond, body) => {
        const plain = compileFilter({ body: cond });
        const inverted = compileFilter({ body: { $not: cond } });
        if (!plain.ok || !inverted.ok) return;
        expect(evaluate(inverted.value, inputOf(body)).matched).toBe(!evaluate(plain.value, inputOf(body)).matched);
      }),
      { numRuns: 500 },
    );
  });
});

describe("bounded evaluation of hostile bodies", () => {
  it("scans a 100k-element array no further than the element cap", () => {
    const body = { items: new Array<number>(100_000).fill(0) };
    expect(run({ body: { items: 1 } }, body)).toEqual({ matched: false, failed: "body.items $eq" });
    expect(run({ body: { "items.sku": "x" } }, body)).toEqual({ matched: false, failed: "body.items.sku $eq" });
  });

  it("stops at the step budget when arrays multiply, and does not match even under $not", () => {
    const row = new Array<number>(MAX_ARRAY_ELEMENTS).fill(0);
    const body = { rows: Array.from({ length: MAX_ARRAY_ELEMENTS }, () => ({ cells: row })) };
    const spec = { body: { "rows.cells": 1 } };
    expect(MAX_ARRAY_ELEMENTS * MAX_ARRAY_ELEMENTS).toBeGreaterThan(STEP_BUDGET);
    expect(run(spec, body)).toEqual({ matched: false, failed: "budget exceeded" });
    expect(run({ $not: spec }, body)).toEqual({ matched: false, failed: "budget exceeded" });
  });

  it("does not throw on a body with a throwing getter", () => {
    const body = Object.defineProperty({}, "a", {
      enumerable: true,
      get() {
        throw new Error("boom");
      },
    });
    expect(run({ body: { a: 1 } }, body)).toEqual({ matched: false, failed: "unreadable input" });
  });
});
