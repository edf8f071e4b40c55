/** README's rows for the data-only presets are what scripts/provider-table.mjs makes from the JSON files: never stale. */
import { readFileSync } from "node:fs";
import { expect, it } from "vitest";

interface TableModule {
  README: string;
  render(readme: string): string;
}
const SCRIPT = new URL("../../scripts/provider-table.mjs", import.meta.url).href;
const table = (await import(SCRIPT)) as TableModule;

it("README's generated provider rows are current (run node scripts/provider-table.mjs)", () => {
  const readme = readFileSync(table.README, "utf8");
  expect(table.render(readme)).toBe(readme);
});
