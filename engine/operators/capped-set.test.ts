import { describe, expect, it } from 'vitest';
import { CappedSet } from './capped-set.js';

const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

describe('CappedSet', () => {
  it('evicts the last item for one that ranks before it, and leaves out one that ranks after', () => {
    const s = new CappedSet(2, byName);
    expect(s.add('m')).toBeUndefined();
    expect(s.add('c')).toBeUndefined();
    expect(s.add('m')).toBeUndefined();
    expect(s.add('x')).toBe('x');
    expect(s.add('a')).toBe('m');
    expect([...s]).toEqual(['a', 'c']);
    expect(s.delete('a')).toBe(true);
    expect(s.delete('a')).toBe(false);
    expect([...s]).toEqual(['c']);
  });

  it('holds the first max of everything added, in any arrival order, and reports each item left out once it is', () => {
    const rnd = lcg(3);
    for (let round = 0; round < 300; round += 1) {
      const max = 1 + Math.floor(rnd() * 8);
      const added = Array.from({ length: Math.floor(rnd() * 40) }, () => `g${Math.floor(rnd() * 30)}`);
      const s = new CappedSet(max, byName);
      const leftOut = new Set<string>();
      for (const g of added) {
        const left = s.add(g);
        if (left !== undefined) leftOut.add(left);
      }
      const distinct = [...new Set(added)].sort();
      expect([...s]).toEqual(distinct.slice(0, max));
      expect([...leftOut].sort()).toEqual(distinct.slice(max));
    }
  });

  it('refuses a cap below 1', () => {
    expect(() => new CappedSet(0, byName)).toThrow(RangeError);
  });
});
