import { describe, expect, it } from 'vitest';
import { referenceWindowTopK } from '../../engine/testing/reference/window-top-k-reference.js';
import { windowRankings, type RankedEvent } from './window-rankings.js';

/** A small seeded generator (mulberry32), so a failure can be replayed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('windowRankings', () => {
  it('ranks a hand-worked input', () => {
    // Windows of 10 sliding by 5. c-1 at t=1 and t=7, c-2 at t=6: window [0,10) has c-1 ×2, c-2 ×1;
    // [5,15) has c-1 (t=7) and c-2 (t=6) once each (tie: c-1 first); [-5,5) has c-1 once.
    const events: RankedEvent[] = [
      { contentId: 'c-1', category: 'news', eventTime: 1, watchSeconds: 10 },
      { contentId: 'c-2', category: 'kids', eventTime: 6, watchSeconds: 3 },
      { contentId: 'c-1', category: 'news', eventTime: 7, watchSeconds: 5 },
    ];
    const r = windowRankings(events, { windowMs: 10, slideMs: 5, top: 1 });
    const all = r.filter((x) => x.group === 'all').map((x) => [x.windowStart, x.entries]);
    expect(all).toEqual([
      [-5, [{ contentId: 'c-1', views: 1, watchSeconds: 10 }]],
      [0, [{ contentId: 'c-1', views: 2, watchSeconds: 15 }]],
      [5, [{ contentId: 'c-1', views: 1, watchSeconds: 5 }]],
    ]);
    expect(r.find((x) => x.windowStart === 0 && x.group === 'kids')!.entries).toEqual([{ contentId: 'c-2', views: 1, watchSeconds: 3 }]);
  });

  it('agrees with the project reference on random inputs', () => {
    for (let seed = 1; seed <= 40; seed += 1) {
      const next = random(seed);
      const categories = ['a', 'b', 'c'];
      const keys = Array.from({ length: 1 + Math.floor(next() * 30) }, (_, i) => ({ id: `k-${i}`, category: categories[Math.floor(next() * 3)]! }));
      const events: RankedEvent[] = Array.from({ length: Math.floor(next() * 200) }, () => {
        const k = keys[Math.floor(next() ** 2 * keys.length)]!;
        return { contentId: k.id, category: k.category, eventTime: Math.floor(next() * 1_000) - 200, watchSeconds: Math.floor(next() * 100) };
      });
      const window = { size: 20 * (1 + Math.floor(next() * 5)), slide: 10 };
      const top = 1 + Math.floor(next() * 4);
      const categoryOf = new Map(keys.map((k) => [k.id, k.category]));
      const { results } = referenceWindowTopK([{ kind: 'records', records: events.map((e) => ({ key: e.contentId, ts: e.eventTime, value: e.watchSeconds })) }], {
        window: { kind: 'sliding', ...window }, allowedLateness: 0, k: top, groupsOf: (k) => [categoryOf.get(k)!, 'all'],
      });
      const want = new Map(results.map((x) => [`${x.windowStart}|${x.group}`, x.entries.map((e) => ({ contentId: e.key, views: e.count, watchSeconds: e.sum }))]));
      const got = new Map(windowRankings(events, { windowMs: window.size, slideMs: window.slide, top }).map((x) => [`${x.windowStart}|${x.group}`, x.entries]));
      expect(got, `seed ${seed}`).toEqual(want);
    }
  });
});
