import { describe, expect, it } from 'vitest';
import { DLQ_HEADERS, MAX_DETAIL_BYTES, toDeadLetter, type RejectedRecord } from './dead-letter.js';
import type { OutRecord } from './sink.js';

/** Bytes of a (non-negative) number as a zigzag varint, as Kafka's record format writes lengths. */
function varintBytes(n: number): number {
  let z = n < 0 ? -2 * n - 1 : 2 * n;
  let bytes = 1;
  while (z >= 128) {
    z = Math.floor(z / 128);
    bytes += 1;
  }
  return bytes;
}

const bytesOf = (v: Buffer | string | null | undefined): number => (v == null ? 0 : Buffer.byteLength(v));

/**
 * The size of a record batch holding only `r`, in Kafka's v2 format, as a broker compares it with a
 * topic's max.message.bytes: 61 bytes of batch header (base offset, length, leader epoch, magic,
 * CRC, attributes, last offset delta, two timestamps, producer id and epoch, base sequence, record
 * count), then the record: attributes, timestamp and offset deltas (0 for the first record), key,
 * value and headers, each with a varint length (-1 for null), all behind the record's own length.
 */
function batchBytes(r: OutRecord): number {
  const field = (v: Buffer | string | null | undefined): number => (v == null ? varintBytes(-1) : varintBytes(bytesOf(v)) + bytesOf(v));
  const headers = Object.entries(r.headers ?? {});
  let body = 1 + varintBytes(0) + varintBytes(0) + field(r.key) + field(r.value) + varintBytes(headers.length);
  for (const [name, value] of headers) body += field(name) + field(value);
  return 61 + varintBytes(body) + body;
}

/** Key, value and headers (names and values) of a record, in bytes. */
function ownBytes(key: Buffer | null, value: Buffer | null, headers: Record<string, string | Buffer>): number {
  return bytesOf(key) + bytesOf(value) + Object.entries(headers).reduce((n, [k, v]) => n + bytesOf(k) + bytesOf(v), 0);
}

function rejected(over: Partial<RejectedRecord> = {}): RejectedRecord {
  return {
    topic: 'watch-events',
    partition: 3,
    offset: '1234',
    timestamp: '1700000000000',
    key: Buffer.from('user-1'),
    value: Buffer.from('{"id":1,'),
    headers: { trace: 'abc' },
    reason: 'decode',
    detail: 'json: Unexpected end of JSON input',
    ...over,
  };
}

/** A topic's max.message.bytes as Eddy creates dead-letter topics on a default broker: 1048588 + 64 KiB. */
const MAX = 1_048_588 + 65_536;

const pattern = (n: number, seed: number): Buffer => Buffer.from(Array.from({ length: n }, (_, i) => (i * 31 + seed) % 251));

describe('toDeadLetter', () => {
  it('keeps a record that fits as it is: key, value, headers, plus the eddy.dlq headers', () => {
    const r = rejected({ operator: 'window', reason: 'user-code', detail: 'Error: boom' });
    const letter = toDeadLetter(r, MAX);
    expect(letter.key).toBe(r.key);
    expect(letter.value).toBe(r.value);
    expect(letter.headers).toEqual({
      trace: 'abc',
      'eddy.dlq.reason': 'user-code',
      'eddy.dlq.detail': 'Error: boom',
      'eddy.dlq.operator': 'window',
      'eddy.dlq.source.topic': 'watch-events',
      'eddy.dlq.source.partition': '3',
      'eddy.dlq.source.offset': '1234',
      'eddy.dlq.source.timestamp': '1700000000000',
    });
  });

  it('leaves out offset and timestamp when the rejected value was not one input record', () => {
    const letter = toDeadLetter(rejected({ offset: null, timestamp: null }), MAX);
    expect(Object.keys(letter.headers!)).not.toContain(DLQ_HEADERS.offset);
    expect(Object.keys(letter.headers!)).not.toContain(DLQ_HEADERS.timestamp);
  });

  it('drops the original headers of a record with huge headers, and keeps its value and key', () => {
    const headers = Object.fromEntries(Array.from({ length: 5 }, (_, i) => [`h${i}`, pattern(300_000, i)]));
    const r = rejected({ reason: 'size', detail: 'record is too big', headers });
    const letter = toDeadLetter(r, MAX);
    expect(batchBytes(letter)).toBeLessThanOrEqual(MAX);
    expect(letter.value).toEqual(r.value);
    expect(letter.key).toEqual(r.key);
    expect(Object.keys(letter.headers!).filter((k) => !k.startsWith('eddy.dlq.'))).toEqual([]);
    expect(letter.headers![DLQ_HEADERS.reason]).toBe('size');
    expect(letter.headers![DLQ_HEADERS.truncated]).toBe('headers');
    expect(letter.headers![DLQ_HEADERS.originalSize]).toBe(String(ownBytes(r.key, r.value, headers)));
  });

  it('cuts the end of a huge value to fit, and no more than it must', () => {
    const value = pattern(3_145_728, 7);
    const r = rejected({ reason: 'size', value, headers: {} });
    const letter = toDeadLetter(r, MAX);
    const size = batchBytes(letter);
    expect(size).toBeLessThanOrEqual(MAX);
    expect(size).toBeGreaterThan(MAX - 4_096);
    expect(Buffer.isBuffer(letter.value)).toBe(true);
    const cut = letter.value as Buffer;
    expect(cut.length).toBeLessThan(value.length);
    expect(cut.equals(value.subarray(0, cut.length))).toBe(true);
    expect(letter.headers![DLQ_HEADERS.truncated]).toBe('value');
    expect(letter.headers![DLQ_HEADERS.originalSize]).toBe(String(ownBytes(r.key, value, {})));
  });

  it('drops the headers, then cuts the value, when dropping the headers is not enough', () => {
    const headers = { big: pattern(600_000, 1), trace: 'abc' };
    const value = pattern(1_500_000, 2);
    const r = rejected({ value, headers });
    const letter = toDeadLetter(r, MAX);
    expect(batchBytes(letter)).toBeLessThanOrEqual(MAX);
    expect(letter.headers!.big).toBeUndefined();
    expect(letter.headers!.trace).toBeUndefined();
    expect((letter.value as Buffer).length).toBeGreaterThan(MAX - 4_096 - 100);
    expect(letter.headers![DLQ_HEADERS.truncated]).toBe('headers,value');
    expect(letter.headers![DLQ_HEADERS.originalSize]).toBe(String(ownBytes(r.key, value, headers)));
  });

  it('cuts the value away and then the end of the key when the key alone is too big', () => {
    const key = pattern(2_000_000, 3);
    const r = rejected({ key, headers: {} });
    const letter = toDeadLetter(r, MAX);
    expect(batchBytes(letter)).toBeLessThanOrEqual(MAX);
    expect((letter.value as Buffer).length).toBe(0);
    const cut = letter.key as Buffer;
    expect(cut.length).toBeGreaterThan(MAX - 8_192);
    expect(cut.equals(key.subarray(0, cut.length))).toBe(true);
    expect(letter.headers![DLQ_HEADERS.truncated]).toBe('value,key');
    expect(letter.headers![DLQ_HEADERS.originalSize]).toBe(String(ownBytes(key, r.value, {})));
  });

  it("cuts a long detail (a thrown error's stack) on a character boundary, and says so", () => {
    const detail = `Error: ${'é'.repeat(50_000)}`;
    const letter = toDeadLetter(rejected({ reason: 'user-code', operator: 'f', detail }), MAX);
    const kept = String(letter.headers![DLQ_HEADERS.detail]);
    expect(Buffer.byteLength(kept)).toBeLessThanOrEqual(MAX_DETAIL_BYTES);
    expect(Buffer.byteLength(kept)).toBeGreaterThan(MAX_DETAIL_BYTES - 8);
    expect(kept.endsWith('…')).toBe(true);
    expect(detail.startsWith(kept.slice(0, -1))).toBe(true);
    expect(kept).not.toContain('\uFFFD');
    expect(letter.headers![DLQ_HEADERS.truncated]).toBe('detail');
    expect(letter.value).toEqual(rejected().value);
  });

  it('fits records into a small topic too, whatever is in them', () => {
    const small = 32 * 1024;
    for (const r of [
      rejected({ value: pattern(100_000, 4) }),
      rejected({ headers: { a: pattern(40_000, 5), b: 'x'.repeat(1_000) } }),
      rejected({ key: pattern(50_000, 6), value: null }),
      rejected({ detail: 'z'.repeat(100_000), value: pattern(small, 8) }),
    ]) {
      expect(batchBytes(toDeadLetter(r, small))).toBeLessThanOrEqual(small);
    }
  });
});
