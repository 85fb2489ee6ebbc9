/**
 * How many bytes a record takes, as size limits count them. Kept apart from the Kafka clients: the
 * job API reaches it (through dead-letter.ts) and must load without loading kafkajs.
 */

/** Bytes of a key, value or header as sent: UTF-8 for strings. */
export function byteLength(v: Buffer | string | null | undefined): number {
  return v == null ? 0 : typeof v === 'string' ? Buffer.byteLength(v) : v.length;
}

/**
 * Bytes of a record's key, value and headers (names and values): what size limits count.
 *
 * @example
 * recordBytes('k', Buffer.alloc(10), { trace: 'abc' }); // 1 + 10 + 5 + 3 = 19
 */
export function recordBytes(key: Buffer | string | null | undefined, value: Buffer | string | null, headers: Record<string, string | Buffer> = {}): number {
  let n = byteLength(key) + byteLength(value);
  for (const name in headers) n += Buffer.byteLength(name) + byteLength(headers[name]);
  return n;
}
