import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../testing/reference/random-streams.js';
import { LatestByKey } from './latest-view.js';

interface Rec {
  key: string;
  order: number;
  id: number;
}

/**
 * The rule, by brute force: after each record, the keys held are the first `max` of all keys seen,
 * by their highest order (descending), then name; a key's record is its last one of that order.
 */
function model(records: readonly Rec[], max: number): { held: Map<string, Rec>; leftOut: number } {
  const newest = new Map<string, Rec>();
  let held = new Set<string>();
  let leftOut = 0;
  for (const r of records) {
    const before = newest.get(r.key);
    if (!before || r.order >= before.order) newest.set(r.key, r);
    const next = new Set(
      [...newest.values()]
        .sort((a, b) => b.order - a.order || (a.key < b.key ? -1 : 1))
        .slice(0, max)
        .map((x) => x.key),
    );
    if (!next.has(r.key)) leftOut += 1;
    for (const k of held) if (!next.has(k)) leftOut += 1;
    held = next;
  }
  return { held: new Map([...held].map((k) => [k, newest.get(k)!])), leftOut };
}

describe('LatestByKey', () => {
  it('holds the newest record of at most maxKeys keys, newest first then by name, as a brute-force model does, and reports what it lets go', () => {
    const rnd = mulberry32(7);
    const int = (n: number): number => Math.floor(rnd() * n);
    for (let round = 0; round < 200; round += 1) {
      const max = 1 + int(6);
      const records: Rec[] = Array.from({ length: int(80) }, (_, id) => ({ key: `k${int(15)}`, order: int(8), id }));
      const view = new LatestByKey<Rec>({ maxKeys: max, keyOf: (r) => r.key, orderOf: (r) => r.order });
      // What a consumer of the updates (the trending gauge) holds.
      const mirror = new Set<string>();
      let leftOut = 0;
      for (let i = 0; i < records.length; ) {
        const { changed, evicted, records: n } = view.update(records.slice(i, (i += 1 + int(10))));
        for (const k of evicted) mirror.delete(k);
        for (const k of changed) mirror.add(k);
        leftOut += n;
      }
      const expected = model(records, max);
      expect(view.all(), `round ${round}`).toEqual(new Map([...expected.held].sort(([a], [b]) => (a < b ? -1 : 1))));
      expect(mirror, `round ${round}`).toEqual(new Set(expected.held.keys()));
      expect(leftOut, `round ${round}`).toBe(expected.leftOut);
    }
  });

  it('holds the same keys whatever order partitions interleave in', () => {
    // Two partitions, each in its own order; keys never share a partition.
    const p0: Rec[] = [1, 2, 3].flatMap((w) => ['a', 'c', 'e'].map((key, i) => ({ key, order: w, id: w * 10 + i })));
    const p1: Rec[] = [1, 2, 3].flatMap((w) => ['b', 'd', 'f'].map((key, i) => ({ key, order: w - (key === 'f' ? 1 : 0), id: w * 10 + 5 + i })));
    const held = (records: Rec[]): string[] => {
      const view = new LatestByKey<Rec>({ maxKeys: 4, keyOf: (r) => r.key, orderOf: (r) => r.order });
      view.update(records);
      return [...view.all().keys()];
    };
    expect(held([...p0, ...p1])).toEqual(['a', 'b', 'c', 'd']);
    expect(held([...p1, ...p0])).toEqual(['a', 'b', 'c', 'd']);
    expect(held(p0.flatMap((r, i) => [r, p1[i]!]))).toEqual(['a', 'b', 'c', 'd']);
  });
});
