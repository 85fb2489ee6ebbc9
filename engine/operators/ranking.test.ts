import { describe, expect, it } from 'vitest';
import { compareRanked, topK, type Ranked } from './ranking.js';

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

describe('topK', () => {
  it('orders by score descending, then key ascending', () => {
    const e = (key: string, score: number): Ranked<null> => ({ key, score, value: null });
    expect(topK([e('b', 2), e('a', 2), e('c', 5), e('d', 1)], 3).map((x) => x.key)).toEqual(['c', 'a', 'b']);
    expect(topK([e('a', 1)], 0)).toEqual([]);
  });

  it('equals a full sort truncated to k, on random inputs with many ties', () => {
    const rnd = lcg(7);
    for (let round = 0; round < 300; round += 1) {
      const n = Math.floor(rnd() * 60);
      const k = 1 + Math.floor(rnd() * 12);
      const entries = Array.from({ length: n }, (_, i) => ({ key: `k${Math.floor(rnd() * 1000)}-${i}`, score: Math.floor(rnd() * 5), value: i }));
      const expected = [...entries].sort(compareRanked).slice(0, k);
      expect(topK(entries, k)).toEqual(expected);
    }
  });

  it('merging local top-Ks of disjoint key sets equals the global top-K', () => {
    const rnd = lcg(11);
    for (let round = 0; round < 200; round += 1) {
      const k = 1 + Math.floor(rnd() * 6);
      const parts = 1 + Math.floor(rnd() * 4);
      const all = Array.from({ length: Math.floor(rnd() * 80) }, (_, i) => ({ key: `key-${i}`, score: Math.floor(rnd() * 6), value: i }));
      const locals = Array.from({ length: parts }, (_, p) => topK(all.filter((_, i) => i % parts === p), k));
      expect(topK(locals.flat(), k)).toEqual(topK(all, k));
    }
  });
});
