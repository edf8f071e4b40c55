/** Destination transforms: what each operation does, what a spec may not ask for, and that no input makes them throw. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { applyTransform, compileTransform, type CompiledTransform, type Outgoing } from "../../../src/routing/transform";

const enc = new TextEncoder();
const dec = new TextDecoder();

function compile(spec: unknown): CompiledTransform {
  const r = compileTransform(spec);
  if (!r.ok) throw new Error(r.error);
  return r.value;
}
function refusal(spec: unknown, at?: string): string {
  const r = compileTransform(spec, at);
  if (r.ok) throw new Error(`compiled: ${JSON.stringify(spec)}`);
  return r.error;
}
function request(body: string | Uint8Array, headers: HeadersInit = {}, path = "/hooks/shopify"): Outgoing {
  return { path, headers: new Headers(headers), body: typeof body === "string" ? enc.encode(body) : body };
}
const json = (o: Outgoing): unknown => JSON.parse(dec.decode(o.body));
const run = (spec: unknown, req: Outgoing) => applyTransform(compile(spec), req);

describe("header operations", () => {
  it("removes the listed headers whatever the case of the name", () => {
    const { out } = run({ headers: { remove: ["X-Debug"] } }, request("{}", { "x-debug": "1", "x-keep": "2" }));
    expect(out.headers.has("x-debug")).toBe(false);
    expect(out.headers.get("x-keep")).toBe("2");
  });

  it("renames a header: the value moves to the new name and the old one is gone", () => {
    const { out } = run({ headers: { rename: { "X-Shopify-Topic": "x-topic" } } }, request("{}", { "x-shopify-topic": "orders/create" }));
    expect(out.headers.get("x-topic")).toBe("orders/create");
    expect(out.headers.has("x-shopify-topic")).toBe(false);
  });

  it("renaming an absent header changes nothing; renaming onto a present one replaces its value", () => {
    const absent = run({ headers: { rename: { "x-missing": "x-topic" } } }, request("{}", { "x-topic": "kept" })).out;
    expect([...absent.headers]).toEqual([["x-topic", "kept"]]);
    const onto = run({ headers: { rename: { "x-a": "x-b" } } }, request("{}", { "x-a": "moved", "x-b": "old" })).out;
    expect([...onto.headers]).toEqual([["x-b", "moved"]]);
  });

  it("sets headers, replacing a value sent under the same name in another case", () => {
    const { out } = run({ headers: { set: { "X-Team": "billing" } } }, request("{}", { "x-team": "ops" }));
    expect(out.headers.get("x-team")).toBe("billing");
    expect([...out.headers]).toEqual([["x-team", "billing"]]);
  });

  it("applies remove, then rename, then set", () => {
    const spec = { headers: { set: { "x-a": "new" }, rename: { "x-a": "x-c" }, remove: ["x-c"] } };
    const { out } = run(spec, request("{}", { "x-a": "1", "x-c": "3" }));
    // remove drops the old x-c, rename moves x-a's value there, set writes a fresh x-a.
    expect(Object.fromEntries(out.headers)).toEqual({ "x-a": "new", "x-c": "1" });
  });

  it("returns a new Headers and never mutates the input one", () => {
    const req = request("{}", { "x-debug": "1", "x-shopify-topic": "t" });
    const { out } = run({ headers: { set: { "x-team": "b" }, remove: ["x-debug"], rename: { "x-shopify-topic": "x-topic" } }, body: { pick: ["a"] } }, req);
    expect(out.headers).not.toBe(req.headers);
    expect(Object.fromEntries(req.headers)).toEqual({ "x-debug": "1", "x-shopify-topic": "t" });
  });
});

describe("path", () => {
  it("fills {path} with the incoming path and keeps the incoming query string", () => {
    expect(run({ path: "/billing{path}" }, request("{}", {}, "/hooks/stripe?x=1&y=2")).out.path).toBe("/billing/hooks/stripe?x=1&y=2");
    expect(run({ path: "/billing{path}" }, request("{}", {}, "/hooks/stripe")).out.path).toBe("/billing/hooks/stripe");
  });

  it("uses a template without {path} literally, still keeping the query string", () => {
    expect(run({ path: "/api/v2/events" }, request("{}", {}, "/hooks/stripe?x=1")).out.path).toBe("/api/v2/events?x=1");
  });

  it("leaves the path alone when the spec has none", () => {
    expect(run({ headers: { set: { "x-a": "1" } } }, request("{}", {}, "/hooks/a?q")).out.path).toBe("/hooks/a?q");
  });
});

describe("body operations", () => {
  const event = { id: "evt_1", type: "charge.succeeded", livemode: false, data: { object: { amount: 1200, currency: "eur", customer: "cus_1" } } };

  it("pick keeps only the listed fields, at the same nested positions; missing fields are simply absent", () => {
    const { out } = run({ body: { pick: ["id", "data.object.amount", "data.object.nope", "absent"] } }, request(JSON.stringify(event)));
    expect(json(out)).toEqual({ id: "evt_1", data: { object: { amount: 1200 } } });
  });

  it("rename without pick moves a nested field within the full body", () => {
    const { out } = run({ body: { rename: { "data.object.amount": "amount" } } }, request(JSON.stringify(event)));
    expect(json(out)).toEqual({ ...event, amount: 1200, data: { object: { currency: "eur", customer: "cus_1" } } });
  });

  it("pick then rename, as in the reference example", () => {
    const { out } = run({ body: { pick: ["id", "type", "data.object.amount"], rename: { "data.object.amount": "amount" } } }, request(JSON.stringify(event)));
    // The objects the move emptied go with it.
    expect(json(out)).toEqual({ id: "evt_1", type: "charge.succeeded", amount: 1200 });
  });

  it("a rename keeps the parents that still hold other fields, and objects that were empty to begin with", () => {
    const { out } = run({ body: { rename: { "data.object.amount": "amount" } } }, request('{"data":{"object":{"amount":1,"currency":"eur"},"previous":{}},"meta":{}}'));
    expect(json(out)).toEqual({ amount: 1, data: { object: { currency: "eur" }, previous: {} }, meta: {} });
  });

  it("rename creates missing levels of the target and replaces a field already there", () => {
    const { out } = run({ body: { rename: { id: "meta.source.id", type: "kind" } } }, request('{"id":"a","type":"t","kind":"old"}'));
    expect(json(out)).toEqual({ kind: "t", meta: { source: { id: "a" } } });
  });

  it("rename into a field's own child nests its value", () => {
    const { out } = run({ body: { rename: { data: "data.inner" } } }, request('{"data":5}'));
    expect(json(out)).toEqual({ data: { inner: 5 } });
  });

  it("a rename whose target runs through a non-object, or whose source is absent, leaves the original bytes", () => {
    for (const rename of [{ a: "b.c" }, { missing: "x" }, { "a.deeper": "x" }]) {
      const req = request('{"a":1,"b":2}', { "content-type": "text/plain" });
      const r = run({ body: { rename } }, req);
      expect(r.out.body).toBe(req.body);
      expect(r.bodySkipped).toBeUndefined();
      expect(r.out.headers.get("content-type")).toBe("text/plain");
    }
  });

  it("treats arrays as values: a pick takes a whole array and never indexes into one", () => {
    const { out } = run({ body: { pick: ["items", "list.0"] } }, request('{"items":[1,{"a":2}],"list":["x"]}'));
    expect(json(out)).toEqual({ items: [1, { a: 2 }] });
  });

  it("sets content-type to application/json and drops a stale content-length when the body changes", () => {
    const { out } = run({ body: { pick: ["id"] } }, request(JSON.stringify(event), { "content-type": "text/plain; charset=utf-8", "content-length": "999" }));
    expect(out.headers.get("content-type")).toBe("application/json");
    expect(out.headers.has("content-length")).toBe(false);
    expect(dec.decode(out.body)).toBe('{"id":"evt_1"}');
  });

  it("the body changing wins over a content-type the spec set, since the bytes are JSON now", () => {
    const { out } = run({ headers: { set: { "content-type": "text/plain" } }, body: { pick: ["id"] } }, request('{"id":1}'));
    expect(out.headers.get("content-type")).toBe("application/json");
  });

  it("keeps the exact text of numbers JSON.parse would alter (ids beyond 2^53, 1.10, 1e400)", () => {
    const { out } = run({ body: { pick: ["id", "amount", "huge", "n"] } }, request('{"id":12345678901234567890,"amount":1.10,"huge":1e400,"n":7,"x":0}'));
    expect(dec.decode(out.body)).toBe('{"id":12345678901234567890,"amount":1.10,"huge":1e400,"n":7}');
  });

  it("never touches the original body bytes", () => {
    const text = JSON.stringify(event);
    const req = request(text);
    const copy = req.body.slice();
    const { out } = run({ body: { pick: ["id"], rename: { id: "event.id" } } }, req);
    expect(out.body).not.toBe(req.body);
    expect(req.body).toEqual(copy);
  });

  it("returns the same body bytes and no content-type change for a transform without body operations", () => {
    const req = request('{"a":1}', { "content-type": "application/x-www-form-urlencoded" });
    const t = compile({ headers: { set: { "x-a": "1" } } });
    expect(t.changesBody).toBe(false);
    const r = applyTransform(t, req);
    expect(r.out.body).toBe(req.body);
    expect(r.out.headers.get("content-type")).toBe("application/x-www-form-urlencoded");
    expect(compile({ body: { rename: { a: "b" } } }).changesBody).toBe(true);
  });

  it("skips the body transform and says so for non-JSON, invalid UTF-8, JSON arrays and primitives", () => {
    for (const body of ["a=1&b=2", "{not json", "", '[{"id":1}]', '"text"', "42", "null", new Uint8Array([0x7b, 0xff, 0x7d])]) {
      const req = request(body, { "content-type": "text/plain" });
      const r = run({ headers: { set: { "x-team": "b" } }, body: { pick: ["id"] } }, req);
      expect(r.bodySkipped).toBe("not_json_object");
      expect(r.out.body).toBe(req.body);
      expect(r.out.headers.get("content-type")).toBe("text/plain");
      expect(r.out.headers.get("x-team")).toBe("b"); // the rest of the transform still applies
    }
  });

  it("bodies with __proto__ keys neither pollute prototypes nor lose the key", () => {
    const body = '{"__proto__":{"polluted":1},"a":{"__proto__":{"polluted":2},"b":1},"constructor":{"prototype":{"polluted":3}}}';
    const { out } = run({ body: { pick: ["a"], rename: { "a.b": "c.d" } } }, request(body));
    expect(dec.decode(out.body)).toBe('{"a":{"__proto__":{"polluted":2}},"c":{"d":1}}');
    expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty("polluted");
  });
});

describe("compile refusals name the field", () => {
  it("refuses names reserved for the gateway in set, remove and rename (source and target)", () => {
    expect(refusal({ headers: { set: { "x-hookgate-verified": "yes" } } })).toBe("transform.headers.set.x-hookgate-verified: is reserved for the gateway");
    for (const name of ["X-Hookgate-Url-Signature", "webhook-id", "Webhook-Timestamp", "webhook-signature", "Host", "content-length", "transfer-encoding", "connection", "x-forwarded-for", "X-Forwarded-Proto"]) {
      expect(refusal({ headers: { set: { [name]: "v" } } })).toBe(`transform.headers.set.${name}: is reserved for the gateway`);
      expect(refusal({ headers: { remove: ["x-ok", name] } })).toBe(`transform.headers.remove.1: "${name}" is reserved for the gateway`);
      expect(refusal({ headers: { rename: { [name]: "x-ok" } } })).toBe(`transform.headers.rename.${name}: is reserved for the gateway`);
      expect(refusal({ headers: { rename: { "x-ok": name } } })).toBe(`transform.headers.rename.x-ok: target "${name}" is reserved for the gateway`);
    }
  });

  it("refuses header names that are not HTTP tokens", () => {
    expect(refusal({ headers: { set: { "Bad Name": "v" } } })).toBe('transform.headers.set."Bad Name": is not a valid header name (an HTTP token of at most 256 characters)');
    for (const name of ["x:y", "", "é", "a\r\nb", "x".repeat(257)]) expect(refusal({ headers: { set: { [name]: "v" } } })).toMatch(/^transform\.headers\.set\..*: is not a valid header name/);
    expect(refusal({ headers: { remove: [42] } })).toBe("transform.headers.remove.0: is not a valid header name (an HTTP token of at most 256 characters)");
    expect(refusal({ headers: { rename: { "x-a": "x b" } } })).toBe('transform.headers.rename.x-a: target "x b" is not a valid header name (an HTTP token of at most 256 characters)');
  });

  it("refuses header values with CR, LF, NUL, other control or non-ASCII characters, over 8 KB, or not strings", () => {
    const message = "transform.headers.set.x-team: value must be printable ASCII (no CR, LF or NUL), at most 8192 characters";
    for (const value of ["a\r\nx-evil: 1", "a\nb", "a\u0000b", "a\u0007b", "café", "x".repeat(8193)]) expect(refusal({ headers: { set: { "x-team": value } } })).toBe(message);
    expect(compileTransform({ headers: { set: { "x-team": "x".repeat(8192) + "\t ok" } } }).ok).toBe(false);
    expect(compileTransform({ headers: { set: { "x-team": "x".repeat(8192) } } }).ok).toBe(true);
    expect(refusal({ headers: { set: { "x-team": 5 } } })).toBe("transform.headers.set.x-team: must be a string");
    expect(refusal({ headers: { rename: { "x-team": null } } })).toBe("transform.headers.rename.x-team: must be a string");
  });

  it("refuses the same header twice in set or as a rename source, names compared case-insensitively", () => {
    expect(refusal({ headers: { set: { "x-team": "a", "X-Team": "b" } } })).toBe("transform.headers.set.X-Team: repeats x-team (header names are case-insensitive)");
    expect(refusal({ headers: { rename: { "x-a": "x-b", "X-A": "x-c" } } })).toBe("transform.headers.rename.X-A: repeats x-a (header names are case-insensitive)");
  });

  it("refuses paths that do not start with one '/', leave the path, carry a query or fragment, or use other placeholders", () => {
    const cases: [unknown, string][] = [
      ["billing{path}", 'must start with "/"'],
      ["{path}", 'must start with "/"'],
      ["//evil.example/x", 'may not start with "//"'],
      ["/{path}", 'may not start with "//"'],
      ["/billing/../admin", 'may not contain "..", "%2e" or "\\"'],
      ["/billing/%2E%2e/admin", 'may not contain "..", "%2e" or "\\"'],
      ["/\\evil.example", 'may not contain "..", "%2e" or "\\"'],
      ["/billing?x=1", 'may not contain "?" or "#" (the incoming query string is kept)'],
      ["/billing#top", 'may not contain "?" or "#" (the incoming query string is kept)'],
      ["/bil\nling", "may not contain control characters"],
      ["/bil\u0000ling", "may not contain control characters"],
      ["/billing{Path}", "may only use the {path} placeholder"],
      ["/billing{path", "may only use the {path} placeholder"],
      [`/${"a".repeat(2048)}`, "is longer than 2048 characters"],
      [7, "must be a string"],
    ];
    for (const [path, message] of cases) expect(refusal({ path })).toBe(`transform.path: ${message}`);
  });

  it("refuses prototype keys as body path segments in pick and in rename source or target", () => {
    expect(refusal({ body: { pick: ["id", "a.__proto__.polluted"] } })).toBe('transform.body.pick.1: may not use "__proto__" as a segment');
    expect(refusal({ body: { pick: ["constructor"] } })).toBe('transform.body.pick.0: may not use "constructor" as a segment');
    expect(refusal({ body: { rename: { "a.prototype": "b" } } })).toBe('transform.body.rename.a.prototype: may not use "prototype" as a segment');
    expect(refusal({ body: { rename: JSON.parse('{"a":"__proto__.polluted"}') } })).toBe('transform.body.rename.a (target): may not use "__proto__" as a segment');
  });

  it("refuses malformed dotted paths and an empty pick", () => {
    for (const p of ["", "a..b", ".a", "a."]) expect(refusal({ body: { pick: [p] } })).toBe('transform.body.pick.0: must be a dotted path like "data.object.id" (no empty segments)');
    expect(refusal({ body: { pick: [3] } })).toBe("transform.body.pick.0: must be a dotted path string");
    expect(refusal({ body: { pick: [] } })).toBe("transform.body.pick: must list at least one field");
  });

  it("refuses more than 64 entries in each list and paths deeper than 16", () => {
    const names = Array.from({ length: 65 }, (_, i) => `x-h${i}`);
    const map = Object.fromEntries(names.map((n) => [n, "v"]));
    expect(refusal({ headers: { set: map } })).toBe("transform.headers.set: has 65 entries, at most 64");
    expect(refusal({ headers: { remove: names } })).toBe("transform.headers.remove: has 65 entries, at most 64");
    expect(refusal({ headers: { rename: Object.fromEntries(names.map((n) => [n, `${n}-b`])) } })).toBe("transform.headers.rename: has 65 entries, at most 64");
    expect(refusal({ body: { pick: names.map((_, i) => `f${i}`) } })).toBe("transform.body.pick: has 65 entries, at most 64");
    expect(refusal({ body: { rename: Object.fromEntries(names.map((_, i) => [`f${i}`, `g${i}`])) } })).toBe("transform.body.rename: has 65 entries, at most 64");
    expect(compileTransform({ headers: { set: Object.fromEntries(names.slice(0, 64).map((n) => [n, "v"])) } }).ok).toBe(true);
    const deep = (n: number) => Array.from({ length: n }, () => "a").join(".");
    expect(compileTransform({ body: { pick: [deep(16)] } }).ok).toBe(true);
    expect(refusal({ body: { pick: [deep(17)] } })).toBe("transform.body.pick.0: is 17 levels deep, at most 16");
    expect(refusal({ body: { rename: { a: deep(17) } } })).toBe("transform.body.rename.a (target): is 17 levels deep, at most 16");
  });

  it("refuses unknown keys at every level of the spec", () => {
    expect(refusal({ path: "/x", query: {} })).toBe("transform.query: is not a known field (expected headers, path, body)");
    expect(refusal({ headers: { add: { "x-a": "1" } } })).toBe("transform.headers.add: is not a known field (expected set, remove, rename)");
    expect(refusal({ body: { pick: ["a"], omit: ["b"] } })).toBe("transform.body.omit: is not a known field (expected pick, rename)");
    expect(refusal(JSON.parse('{"__proto__":{"path":"/x"}}'))).toBe("transform.__proto__: is not a known field (expected headers, path, body)");
  });

  it("refuses values of the wrong shape", () => {
    for (const spec of [null, [], "x", 1, undefined]) expect(refusal(spec)).toBe("transform: must be an object");
    expect(refusal({ headers: [] })).toBe("transform.headers: must be an object");
    expect(refusal({ headers: { set: ["x-a"] } })).toBe("transform.headers.set: must be an object of header name to value");
    expect(refusal({ headers: { remove: "x-a" } })).toBe("transform.headers.remove: must be an array of header names");
    expect(refusal({ body: { pick: "id" } })).toBe("transform.body.pick: must be an array of dotted paths");
    expect(refusal({ body: { rename: [["a", "b"]] } })).toBe("transform.body.rename: must be an object of dotted path to dotted path");
  });

  it("prefixes every message with the caller's location", () => {
    expect(refusal({ headers: { set: { host: "x" } } }, "routes.3.destinations.0.transform")).toBe("routes.3.destinations.0.transform.headers.set.host: is reserved for the gateway");
  });

  it("accepts an empty spec as the identity", () => {
    const req = request("{}", { "x-a": "1" }, "/p?q");
    const { out, bodySkipped } = run({}, req);
    expect(bodySkipped).toBeUndefined();
    expect({ path: out.path, headers: Object.fromEntries(out.headers), body: out.body }).toEqual({ path: "/p?q", headers: { "x-a": "1" }, body: req.body });
  });
});

// Arbitraries: hostile specs for the compiler, valid ones for the runtime.
const anyName = fc.oneof(fc.constantFrom("x-team", "X-Team", "content-type", "x-hookgate-verified", "host", "webhook-id", "x-forwarded-for", "Bad Name", "", "__proto__"), fc.string({ maxLength: 10 }));
const anyDotted = fc.oneof(
  fc.constantFrom("id", "data.object.amount", "__proto__.x", "a..b", "", "constructor"),
  fc.array(fc.constantFrom("a", "b", "id", "__proto__", "x.y", ""), { minLength: 1, maxLength: 18 }).map((s) => s.join(".")),
  fc.string(),
);
const anyPart = <T>(a: fc.Arbitrary<T>) => fc.oneof(a, fc.anything());
const hostileSpec = fc.oneof(
  fc.anything(),
  fc.record(
    {
      headers: anyPart(fc.record({ set: anyPart(fc.dictionary(anyName, anyPart(fc.string()))), remove: anyPart(fc.array(anyName)), rename: anyPart(fc.dictionary(anyName, anyName)) }, { requiredKeys: [] })),
      path: anyPart(fc.oneof(fc.constantFrom("/billing{path}", "/{path}", "x", "/a/../b", "/{Path}"), fc.string())),
      body: anyPart(fc.record({ pick: anyPart(fc.array(anyDotted, { maxLength: 70 })), rename: anyPart(fc.dictionary(anyDotted, anyDotted)) }, { requiredKeys: [] })),
    },
    { requiredKeys: [] },
  ),
);

const KEYS = ["a", "b", "id", "data", "object", "amount"] as const;
const addressable = (k: string) => k !== "" && !k.includes(".") && !["__proto__", "constructor", "prototype"].includes(k);
const key = fc.oneof(fc.constantFrom(...KEYS), fc.string({ minLength: 1, maxLength: 4 }).filter(addressable));
const dottedPath = fc.array(fc.constantFrom(...KEYS), { minLength: 1, maxLength: 4 }).map((s) => s.join("."));
const headerName = fc.constantFrom("x-team", "x-shopify-topic", "x-topic", "content-type", "x-debug", "authorization");
const validSpec = fc.record(
  {
    headers: fc.record({ set: fc.dictionary(headerName, fc.stringMatching(/^[ -~]{0,20}$/)), remove: fc.array(headerName), rename: fc.dictionary(headerName, headerName) }, { requiredKeys: [] }),
    path: fc.constantFrom("/billing{path}", "/x", "/a{path}/b{path}", "/"),
    body: fc.record({ pick: fc.array(dottedPath, { minLength: 1, maxLength: 8 }), rename: fc.dictionary(dottedPath, dottedPath) }, { requiredKeys: [] }),
  },
  { requiredKeys: [] },
);
const incomingHeaders = fc.dictionary(headerName, fc.stringMatching(/^[!-~]{1,10}$/));
const incomingPath = fc.constantFrom("/hooks/x", "/hooks/x?a=1&b=2", "/", "", "?only=query");
const anyBody = fc.oneof(
  fc.jsonValue().map((v) => enc.encode(JSON.stringify(v))),
  fc.dictionary(key, fc.jsonValue({ maxDepth: 3 })).map((v) => enc.encode(JSON.stringify(v))),
  fc.uint8Array({ maxLength: 64 }),
);

/** A tree of objects with short keys, so generated paths land on real fields. */
const { tree } = fc.letrec<{ tree: unknown }>((tie) => ({
  tree: fc.oneof({ depthSize: "small", withCrossShrink: true }, fc.jsonValue({ maxDepth: 1 }), fc.dictionary(key, tie("tree"), { maxKeys: 4 })),
}));
const objectBody = fc.dictionary(key, tree, { maxKeys: 5 });

function pathsOf(v: unknown, prefix: string[] = []): string[][] {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return [];
  return Object.entries(v).flatMap(([k, child]) => [[...prefix, k], ...pathsOf(child, [...prefix, k])]);
}
/** The value at segments, own properties of objects only; a sentinel when absent. */
const ABSENT = Symbol("absent");
function at(v: unknown, segments: readonly string[]): unknown {
  let cur = v;
  for (const s of segments) {
    if (typeof cur !== "object" || cur === null || Array.isArray(cur) || !Object.hasOwn(cur, s)) return ABSENT;
    cur = (cur as Record<string, unknown>)[s];
  }
  return cur;
}
function leaves(v: unknown, prefix: string[] = []): [string[], unknown][] {
  const isNode = typeof v === "object" && v !== null && !Array.isArray(v) && Object.keys(v).length > 0;
  return isNode ? Object.entries(v).flatMap(([k, child]) => leaves(child, [...prefix, k])) : [[prefix, v]];
}

describe("properties", () => {
  it("compileTransform never throws, whatever the spec", () => {
    fc.assert(
      fc.property(hostileSpec, (spec) => {
        const r = compileTransform(spec);
        expect(r.ok ? typeof r.value.changesBody : r.error.startsWith("transform")).toBeTruthy();
      }),
      { numRuns: 2000 },
    );
  });

  it("compiled transforms never throw on any body and leave the input untouched", () => {
    fc.assert(
      fc.property(validSpec, incomingHeaders, incomingPath, anyBody, (spec, headers, path, body) => {
        const t = compile(spec);
        const req = request(body, headers, path);
        const copy = body.slice();
        const before = [...req.headers];
        const { out, bodySkipped } = applyTransform(t, req);
        expect(req.body).toEqual(copy);
        expect([...req.headers]).toEqual(before);
        expect(out.path.startsWith("//")).toBe(false);
        if (bodySkipped || out.body === req.body) expect(out.body).toBe(req.body);
        else expect(json(out)).toBeTypeOf("object");
      }),
      { numRuns: 1000 },
    );
  });

  it("a picked number keeps its exact text, however it is written", () => {
    const number = fc.oneof(
      fc.stringMatching(/^-?(0|[1-9][0-9]{0,22})(\.[0-9]{1,22})?([eE][+-]?[0-9]{1,3})?$/),
      fc.double({ noNaN: true, noDefaultInfinity: true }).map(String),
      fc.constantFrom("-0", "0.0000001", "0.000001", "1.0", "9007199254740993", "1e21", "123456789012345.6"),
    );
    fc.assert(
      fc.property(number, fc.boolean(), (n, withString) => {
        const text = `{"x":"${withString ? "id 1e" : "a"}","n":${n},"m":{"k":[${n}]}}`;
        const { out } = run({ body: { pick: ["n", "m"] } }, request(text));
        expect(dec.decode(out.body)).toBe(`{"n":${n},"m":{"k":[${n}]}}`);
      }),
      { numRuns: 2000 },
    );
  });

  it("pick yields an object whose every leaf exists, equal, in the original, and keeps every picked field that existed", () => {
    fc.assert(
      fc.property(
        objectBody.chain((body) => {
          const paths = pathsOf(body).filter((p) => p.length <= 16 && p.every(addressable)).map((p) => p.join("."));
          return fc.tuple(fc.constant(body), fc.uniqueArray(fc.oneof(fc.constantFrom(...paths, "id"), dottedPath), { minLength: 1, maxLength: 10 }));
        }),
        ([body, picks]) => {
          const { out, bodySkipped } = run({ body: { pick: picks } }, request(JSON.stringify(body)));
          expect(bodySkipped).toBeUndefined();
          const original: unknown = JSON.parse(JSON.stringify(body));
          const picked = json(out);
          if (typeof picked === "object" && picked !== null && Object.keys(picked).length > 0) {
            for (const [segments, value] of leaves(picked)) expect(at(original, segments)).toEqual(value);
          }
          for (const p of picks) {
            const want = at(original, p.split("."));
            if (want !== ABSENT) expect(at(picked, p.split("."))).toEqual(want);
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});
