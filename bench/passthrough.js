// The baseline: a worker that only forwards to the origin, on the same workerd.
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    return fetch(`${env.ORIGIN}${url.pathname}${url.search}`, { method: request.method, headers: request.headers, body: request.body });
  },
};
