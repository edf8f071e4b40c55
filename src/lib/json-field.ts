/** Reading one field out of an untrusted JSON body: never throws, never coerces. */

const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

/** The parsed body, or undefined when it is not UTF-8 JSON. */
export function parseJson(body: Uint8Array): unknown {
  try {
    return JSON.parse(decoder.decode(body));
  } catch {
    return undefined;
  }
}

/** `a.b.c` inside a parsed value; undefined when any step is missing or not an object. */
export function fieldAt(value: unknown, path: string): unknown {
  let at = value;
  for (const key of path.split(".")) {
    if (at === null || typeof at !== "object" || Array.isArray(at) || !Object.hasOwn(at, key)) return undefined;
    at = (at as Record<string, unknown>)[key];
  }
  return at;
}

/** A string or finite number field as text (ids and timestamps arrive as either). */
export function textAt(value: unknown, path: string): string | undefined {
  const v = fieldAt(value, path);
  if (typeof v === "string") return v;
  if (typeof v === "number" && Number.isFinite(v)) return String(v);
  return undefined;
}

/** Reads the JSON body once per request, only when a scheme needs a field of it. */
export class BodyFields {
  #parsed: unknown;
  #done = false;
  constructor(private readonly body: Uint8Array) {}
  value(): unknown {
    if (!this.#done) {
      this.#parsed = parseJson(this.body);
      this.#done = true;
    }
    return this.#parsed;
  }
  text(path: string): string | undefined {
    return textAt(this.value(), path);
  }
}
