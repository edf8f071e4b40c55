/**
 * CRC-32 as zlib and java.util.zip.CRC32 compute it (reflected polynomial 0xEDB88320, start
 * and final XOR 0xFFFFFFFF), as an unsigned integer: PayPal signs it in decimal. A checksum,
 * not a hash: anyone can make a body with a chosen CRC.
 */

let table: Uint32Array | undefined;

function crcTable(): Uint32Array {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
}

export function crc32(bytes: Uint8Array): number {
  table ??= crcTable();
  let crc = 0xffffffff;
  for (const b of bytes) crc = table[(crc ^ b) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
