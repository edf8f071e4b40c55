import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

// Two projects: `workers` runs inside workerd (KV, Durable Objects and WebCrypto as
// in production); `node` runs the end-to-end tests against a real wrangler/workerd
// process and signs with provider SDKs that only load on Node.
export default defineConfig({
  test: {
    // The JSON report lets .ci/run print a plain "N passed, N failed" closing line.
    reporters: ["default", ["json", { outputFile: "test-results/vitest.json" }]],
    projects: [
      {
        plugins: [
          cloudflareTest({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: {
              bindings: {
                ADMIN_TOKEN: "test-admin-token",
                SECRETS_KEY: "q7tqVjQyU9qfP6Fw1t2Zb8O3sRr1kH4mN0pL5cX2vYw=",
                ALLOW_HTTP: "false",
                EVENT_LOG_FLUSH_MS: "0",
              },
              // Cloudflare-native destinations (README "Destinations"): declared here, not in
              // wrangler.toml, so that deploying does not need a bucket or a queue nobody uses.
              r2Buckets: ["ARCHIVE", "QUEUE_BODIES"],
              queueProducers: { EVENTS: "hookgate-events" },
            },
          }),
        ],
        test: { name: "workers", include: ["test/unit/**/*.test.ts", "test/security/*.test.ts"] },
      },
      {
        test: {
          name: "node",
          environment: "node",
          // test/security/live: the security probes and fault tests against a real wrangler dev.
          include: ["test/e2e/**/*.test.ts", "test/node/**/*.test.ts", "test/security/live/**/*.test.ts"],
          testTimeout: 60_000,
          hookTimeout: 90_000,
          // Each file starts its own wrangler dev; one at a time on a 2-core machine.
          fileParallelism: false,
        },
      },
    ],
  },
});
