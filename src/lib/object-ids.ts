/**
 * Durable Object ids by name, kept per namespace and isolate: `idFromName` hashes the name on
 * every call, and an id (unlike a stub, which belongs to one request) may be reused by any
 * request. Bounded: the names are route- and shard-derived, a few per route.
 */
/** Any namespace: only idFromName is called. */
type Namespace = DurableObjectNamespace<any>;
const ids = new WeakMap<Namespace, Map<string, DurableObjectId>>();
const MAX_NAMES = 4096;

export function objectId(namespace: Namespace, name: string): DurableObjectId {
  let named = ids.get(namespace);
  if (!named) ids.set(namespace, (named = new Map()));
  let id = named.get(name);
  if (!id) {
    if (named.size >= MAX_NAMES) named.clear();
    named.set(name, (id = namespace.idFromName(name)));
  }
  return id;
}
