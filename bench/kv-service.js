// A stand-in for Workers KV behind workerd's kvNamespace binding: the binding speaks
// HTTP to this service (GET/PUT/DELETE /<key>, GET /?prefix= to list). In memory.
const store = new Map();

const keyOf = (url) => {
  const raw = url.pathname.slice(1);
  return url.searchParams.get("urlencoded") === "true" ? decodeURIComponent(raw) : raw;
};

export default {
  async fetch(request) {
    const url = new URL(request.url);
    if (url.pathname === "/" && request.method === "GET") {
      const prefix = url.searchParams.get("prefix") ?? "";
      const keys = [...store.keys()].filter((k) => k.startsWith(prefix)).sort().map((name) => ({ name }));
      return Response.json({ keys, list_complete: true, cacheStatus: null });
    }
    const key = keyOf(url);
    switch (request.method) {
      case "GET": {
        const value = store.get(key);
        return value === undefined ? new Response("Not Found", { status: 404 }) : new Response(value);
      }
      case "PUT":
        store.set(key, new Uint8Array(await request.arrayBuffer()));
        return new Response();
      case "DELETE":
        store.delete(key);
        return new Response();
      default:
        return new Response("Method Not Allowed", { status: 405 });
    }
  },
};
