/**
 * The state key layout, defined once: every stored key is `[keyGroup u16][table u8][components…]`,
 * so one key group (or one table within it) is a contiguous range that can be scanned, moved or
 * deleted whole. Numbers are big-endian so that byte order is numeric order.
 */
import type { KeyRange } from './state-backend.js';

/**
 * Builds a state key component by component.
 *
 * @example
 * const key = stateKey(17, 1).u64(windowEnd).tail('c-000042').finish();
 */
export class KeyWriter {
  readonly #parts: Buffer[] = [];

  u8(n: number): this {
    const b = Buffer.allocUnsafe(1);
    b.writeUInt8(n);
    this.#parts.push(b);
    return this;
  }

  u16(n: number): this {
    const b = Buffer.allocUnsafe(2);
    b.writeUInt16BE(n);
    this.#parts.push(b);
    return this;
  }

  /** A non-negative safe integer as 8 bytes: byte order is numeric order. */
  u64(n: number): this {
    if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`u64 key component must be a non-negative safe integer, got ${n}`);
    const b = Buffer.allocUnsafe(8);
    b.writeBigUInt64BE(BigInt(n));
    this.#parts.push(b);
    return this;
  }

  /** A length-prefixed UTF-8 string, for components followed by others. */
  string(s: string): this {
    const bytes = Buffer.from(s, 'utf8');
    if (bytes.length > 0xffff) throw new RangeError('string key component longer than 65535 bytes');
    return this.u16(bytes.length).bytes(bytes);
  }

  /** The last component, without a length: keys sharing everything before it form one prefix range. */
  tail(s: string | Buffer): this {
    return this.bytes(typeof s === 'string' ? Buffer.from(s, 'utf8') : s);
  }

  finish(): Buffer {
    return Buffer.concat(this.#parts);
  }

  private bytes(b: Buffer): this {
    this.#parts.push(b);
    return this;
  }
}

/** Reads the components a {@link KeyWriter} wrote, in the same order. */
export class KeyReader {
  #at = 0;

  constructor(private readonly buf: Buffer) {}

  u8(): number {
    return this.buf.readUInt8((this.#at += 1) - 1);
  }

  u16(): number {
    return this.buf.readUInt16BE((this.#at += 2) - 2);
  }

  u64(): number {
    return Number(this.buf.readBigUInt64BE((this.#at += 8) - 8));
  }

  string(): string {
    const n = this.u16();
    return this.buf.toString('utf8', this.#at, (this.#at += n));
  }

  tail(): string {
    const s = this.buf.toString('utf8', this.#at);
    this.#at = this.buf.length;
    return s;
  }
}

/** A key writer already holding `[keyGroup][table]`. */
export function stateKey(keyGroup: number, table: number): KeyWriter {
  return new KeyWriter().u16(keyGroup).u8(table);
}

/** The key group a stored key belongs to. */
export function keyGroupOfStateKey(key: Buffer): number {
  return key.readUInt16BE(0);
}

/** Every key starting with `prefix`: `lt` is the smallest key greater than all of them. */
export function prefixRange(prefix: Buffer): KeyRange {
  const lt = Buffer.from(prefix);
  let i = lt.length - 1;
  while (i >= 0 && lt[i] === 0xff) i -= 1;
  // Key groups are below 0xffff, so a state key prefix is never all 0xff bytes.
  if (i < 0) throw new RangeError('a prefix of only 0xff bytes has no upper bound');
  lt[i]! += 1;
  return { gte: prefix, lt: lt.subarray(0, i + 1) };
}

/** Every key of key groups `start..end` (inclusive). */
export function keyGroupPrefixRange(start: number, end: number): KeyRange {
  if (end >= 0xffff) throw new RangeError(`key group ${end} is out of range`);
  return { gte: new KeyWriter().u16(start).finish(), lt: new KeyWriter().u16(end + 1).finish() };
}

/** Every key a store can hold: the key groups, then the meta entries (transactional-state.ts). */
export const ALL_STATE_KEYS: KeyRange = { gte: Buffer.alloc(0), lt: Buffer.from([0xff, 0xff, 0xff, 0xff]) };
