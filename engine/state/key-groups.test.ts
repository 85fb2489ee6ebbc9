import { describe, expect, it } from 'vitest';
import { keyGroupOf, keyGroupRange, murmur3, subtaskOfKeyGroup } from './key-groups.js';

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('murmur3', () => {
  it.each([
    ['', 0, 0],
    ['', 1, 0x514e28b7],
    ['hello', 0, 0x248bfa47],
    ['Hello, world!', 0, 0xc0363e43],
    ['The quick brown fox jumps over the lazy dog', 0, 0x2e4ff723],
  ])('murmur3(%j, %d) = %d (published test vectors)', (s, seed, expected) => {
    expect(murmur3(utf8(s), seed)).toBe(expected);
  });
});

describe('key groups', () => {
  it('give every task a contiguous, disjoint range, together covering all key groups', () => {
    for (const maxP of [1, 7, 128, 1000]) {
      for (let p = 1; p <= Math.min(maxP, 40); p += 1) {
        let next = 0;
        for (let s = 0; s < p; s += 1) {
          const { start, end } = keyGroupRange(s, p, maxP);
          expect(start).toBe(next);
          expect(end).toBeGreaterThanOrEqual(start);
          for (let kg = start; kg <= end; kg += 1) expect(subtaskOfKeyGroup(kg, p, maxP)).toBe(s);
          next = end + 1;
        }
        expect(next).toBe(maxP);
      }
    }
  });

  it("hash a key's UTF-8 bytes, on the ASCII fast path too", () => {
    let seed = 3;
    const pick = (n: number): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % n);
    const alphabet = ['a', 'Z', '0', '-', '~', 'é', 'ß', '中', '😀', '\u007f', '\u0080'];
    for (let i = 0; i < 2_000; i += 1) {
      const key = Array.from({ length: pick(13) }, () => alphabet[pick(i % 2 === 0 ? 5 : alphabet.length)]).join('');
      expect(keyGroupOf(key, 32_768), JSON.stringify(key)).toBe(murmur3(utf8(key)) % 32_768);
    }
  });

  it('spread keys evenly', () => {
    const counts = new Array<number>(128).fill(0);
    for (let i = 0; i < 128_000; i += 1) counts[keyGroupOf(`c-${String(i).padStart(6, '0')}`, 128)]! += 1;
    for (const c of counts) expect(Math.abs(c - 1000)).toBeLessThan(150);
  });

  it('rejects bad arguments', () => {
    expect(() => keyGroupRange(2, 2, 128)).toThrow(RangeError);
    expect(() => keyGroupRange(0, 200, 128)).toThrow(/parallelism must be/);
  });
});
