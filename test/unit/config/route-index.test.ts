/** Route matching: the most specific route wins; prefixes match at segment boundaries. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { pathMatches, RouteIndex } from "../../../src/config/route-index";

const index = new RouteIndex([
  { id: "any-prefix", host: "*", path: "/hooks", match: "prefix" },
  { id: "host-prefix", host: "hooks.example.com", path: "/hooks", match: "prefix" },
  { id: "host-exact", host: "hooks.example.com", path: "/hooks/stripe", match: "exact" },
  { id: "any-exact", host: "*", path: "/hooks/github", match: "exact" },
]);

describe("RouteIndex", () => {
  it.each([
    ["hooks.example.com", "/hooks/stripe", "host-exact"],
    ["HOOKS.example.com", "/hooks/stripe", "host-exact"],
    ["hooks.example.com", "/hooks/github", "host-prefix"],
    ["other.example.com", "/hooks/github", "any-exact"],
    ["other.example.com", "/hooks/x/y", "any-prefix"],
    ["other.example.com", "/hooks", "any-prefix"],
    ["other.example.com", "/hooksx", undefined],
    ["other.example.com", "/", undefined],
  ])("%s%s -> %s", (host, path, id) => {
    expect(index.find(host, path)?.id).toBe(id);
  });

  it("a prefix never matches a path that does not start with it", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^\/[a-z/]{0,10}$/), fc.stringMatching(/^\/[a-z/]{0,12}$/), (prefix, path) => {
        if (pathMatches({ path: prefix, match: "prefix" }, path)) expect(path.startsWith(prefix.replace(/\/$/, ""))).toBe(true);
      }),
    );
  });
});
