// A stand-in for Workers KV behind workerd's `kvNamespace` binding, in memory. The binding
// speaks HTTP to this service (workerd src/workerd/api/kv.c++): GET/PUT/DELETE
// /<key>?urlencoded=true, list as GET /?prefix=&key_count_limit=&cursor=, bulk get as
// POST /bulk/get, metadata in the CF-KV-Metadata header. Expiry is kept but not enforced:
// no bench run outlives a TTL.
const store = new Map(); // key → { value: Uint8Array, metadata: string | null }

const keyOf = (url) => (url.searchParams.get("urlencoded") === "true" ? decodeURIComponent(url.pathname.slice(1)) : url.pathname.slice(1));

function list(url) {
  const prefix = url.searchParams.get("prefix") ?? "";
  const limit = Number(url.searchParams.get("key_count_limit") ?? 1000);
  const after = url.searchParams.get("cursor") ?? "";
  const names = [...store.keys()].filter((k) => k.startsWith(prefix) && k > after).sort();
  const page = names.slice(0, limit);
  const done = page.length === names.length;
  const keys = page.map((name) => ({ name, ...(store.get(name).metadata && { metadata: store.get(name).metadata }) }));
  return Response.json({ keys, list_complete: done, ...(!done && { cursor: page.at(-1) }) });
}

async function bulkGet(request) {
  const { keys, type, withMetadata } = await request.json();
  const decode = (v) => (type === "json" ? JSON.parse(new TextDecoder().decode(v)) : new TextDecoder().decode(v));
  const out = {};
  for (const k of keys) {
    const e = store.get(k);
    out[k] = !e ? null : withMetadata ? { value: decode(e.value), metadata: e.metadata && JSON.parse(e.metadata) } : decode(e.value);
  }
  return Response.json(out);
}

export default {
  async fetch(request) {
    const url = new URL(request.url);
    if (url.pathname === "/" && request.method === "GET") return list(url);
    if (url.pathname === "/bulk/get" && request.method === "POST") return bulkGet(request);
    const key = keyOf(url);
    switch (request.method) {
      case "GET": {
        const e = store.get(key);
        if (!e) return new Response("Not Found", { status: 404 });
        return new Response(e.value, { headers: e.metadata ? { "CF-KV-Metadata": e.metadata } : {} });
      }
      case "PUT":
        store.set(key, { value: new Uint8Array(await request.arrayBuffer()), metadata: request.headers.get("CF-KV-Metadata") });
        return new Response();
      case "DELETE":
        store.delete(key);
        return new Response();
      default:
        return new Response("Method Not Allowed", { status: 405 });
    }
  },
};
