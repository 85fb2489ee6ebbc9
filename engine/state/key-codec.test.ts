import { describe, expect, it } from 'vitest';
import { KeyReader, keyGroupOfStateKey, keyGroupPrefixRange, prefixRange, stateKey } from './key-codec.js';

const inRange = (k: Buffer, r: { gte: Buffer; lt: Buffer }): boolean => Buffer.compare(k, r.gte) >= 0 && Buffer.compare(k, r.lt) < 0;

describe('key codec', () => {
  it('round-trips components', () => {
    const k = stateKey(300, 7).u8(2).u64(1_763_800_000_000).string('a:b').tail('c-000042').finish();
    expect(keyGroupOfStateKey(k)).toBe(300);
    const r = new KeyReader(k);
    expect([r.u16(), r.u8(), r.u8(), r.u64(), r.string(), r.tail()]).toEqual([300, 7, 2, 1_763_800_000_000, 'a:b', 'c-000042']);
  });

  it('orders u64 components numerically', () => {
    const xs = [0, 1, 255, 256, 65_535, 2 ** 32, 2 ** 40 + 3, Number.MAX_SAFE_INTEGER];
    const keys = xs.map((x) => stateKey(1, 1).u64(x).finish());
    for (let i = 1; i < keys.length; i += 1) expect(Buffer.compare(keys[i - 1]!, keys[i]!)).toBe(-1);
    expect(() => stateKey(1, 1).u64(-1)).toThrow(RangeError);
  });

  it('prefix ranges hold exactly the keys with the prefix (random check, 0xff bytes included)', () => {
    let seed = 12345;
    const rnd = (n: number): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % n);
    const byte = (): number => [0x00, 0x01, 0x7f, 0xfe, 0xff][rnd(5)]!;
    const notAllFf = (b: Buffer): boolean => b.some((x) => x !== 0xff);
    for (let round = 0; round < 2_000; round += 1) {
      const prefix = Buffer.from(Array.from({ length: 1 + rnd(4) }, byte));
      if (!notAllFf(prefix)) {
        expect(() => prefixRange(prefix)).toThrow(RangeError);
        continue;
      }
      const key = Buffer.from(Array.from({ length: rnd(6) }, byte));
      const range = prefixRange(prefix);
      const hasPrefix = key.length >= prefix.length && key.subarray(0, prefix.length).equals(prefix);
      expect(inRange(key, range), `${prefix.toString('hex')} / ${key.toString('hex')}`).toBe(hasPrefix);
    }
  });

  it('key-group ranges hold exactly their key groups', () => {
    const r = keyGroupPrefixRange(3, 5);
    for (let kg = 0; kg < 10; kg += 1) expect(inRange(stateKey(kg, 1).tail('x').finish(), r)).toBe(kg >= 3 && kg <= 5);
    expect(inRange(stateKey(0xfffe, 9).finish(), keyGroupPrefixRange(0, 0xfffe))).toBe(true);
  });
});
