/** The KV keys route configs live under (docs/storage.md). */
export const INDEX_KEY = "routes:index";
export const routeKey = (id: string) => `route:${id}`;
