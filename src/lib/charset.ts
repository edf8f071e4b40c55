/**
 * Short fixed alphabets (key ids, URL paths, transmission ids) checked without a regex:
 * one pass, nothing to backtrack, and no pattern for test/security/regex.test.ts to vet.
 */

export const ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** Whether `text` is 1 to `max` characters, each one of `allowed`. */
export function onlyChars(text: string, allowed: string, max: number): boolean {
  if (text.length === 0 || text.length > max) return false;
  for (const c of text) if (!allowed.includes(c)) return false;
  return true;
}

/** Whether `text` holds at least one letter or digit. */
export const hasAlphanumeric = (text: string): boolean => [...text].some((c) => ALPHANUMERIC.includes(c));
