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
  // With a declared length (checked against the cap by the shed stage) the runtime itself
  // refuses a body longer than declared, so one native read is safe and cheapest.
  const declared = request.headers.get("content-length");
  if (declared !== null && /^[0-9]{1,16}$/.test(declared) && Number(declared) <= maxBytes && !request.headers.has("transfer-encoding")) {
    try {
      const bytes = new Uint8Array(await request.arrayBuffer());
      return bytes.byteLength <= maxBytes ? bytes : { code: "payload_too_large", limitBytes: maxBytes };
    } catch {
      return { code: "bad_request", detail: "body could not be read" };
    }
  }
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
