/**
 * Bodies in Durable Object SQLite: one value holds at most 2 MB, so a body is kept as
 * 1 MiB chunks in a `(event_id, n, data)` table (the queue's and the listen hub's).
 */
import { concatBytes } from "../lib/encoding";

export const CHUNK_BYTES = 1024 * 1024;

export const chunkTable = (name: string) =>
  `CREATE TABLE IF NOT EXISTS ${name} (event_id TEXT NOT NULL, n INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY (event_id, n)) WITHOUT ROWID;`;

export function writeChunks(sql: SqlStorage, table: string, id: string, body: Uint8Array): void {
  for (let n = 0, off = 0; off < body.byteLength || n === 0; n++, off += CHUNK_BYTES) {
    sql.exec(`INSERT INTO ${table} (event_id, n, data) VALUES (?, ?, ?)`, id, n, body.subarray(off, off + CHUNK_BYTES));
  }
}

/** The body, or null when none is kept under `id`. */
export function readChunks(sql: SqlStorage, table: string, id: string): Uint8Array | null {
  const chunks = sql.exec<{ data: ArrayBuffer }>(`SELECT data FROM ${table} WHERE event_id = ? ORDER BY n`, id).toArray();
  if (chunks.length === 0) return null;
  if (chunks.length === 1) return new Uint8Array(chunks[0]!.data);
  return concatBytes(chunks.map((c) => new Uint8Array(c.data)));
}

export function deleteChunks(sql: SqlStorage, table: string, id: string): void {
  sql.exec(`DELETE FROM ${table} WHERE event_id = ?`, id);
}
