/**
 * Reads the body once, counting the bytes actually received (a `Content-Length` can lie
 * and chunked bodies have none) and stopping at the cap. The bytes read here are the
 * bytes verified and the bytes forwarded.
 */
import { concatBytes } from "../lib/encoding";
import type { Rejection } from "../lib/rejection";

const EMPTY = new Uint8Array(0);

export async function readBody(request: Request, maxBytes: number): Promise<Uint8Array | Rejection> {
  if (request.body === null) return EMPTY;
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) {
        await reader.cancel().catch(() => {});
        return { code: "payload_too_large", limitBytes: maxBytes };
      }
      chunks.push(value);
    }
  } catch {
    return { code: "bad_request", detail: "body could not be read" };
  }
  return chunks.length === 1 ? chunks[0]! : concatBytes(chunks);
}
