/** Hand-computed checks of the reference itself: the oracle needs its own tests. */
import { describe, expect, it } from 'vitest';
import { randomCase } from './random-streams.js';
import { referenceWindowTopK, type RefConfig, type RefStep } from './window-top-k-reference.js';

const all = (): string[] => ['all'];
const recs = (...rs: [string, number][]): RefStep => ({ kind: 'records', records: rs.map(([key, ts]) => ({ key, ts, value: 1 })) });
const wm = (ts: number): RefStep => ({ kind: 'watermark', ts });
const cfg = (over: Partial<RefConfig> = {}): RefConfig => ({ window: { kind: 'tumbling', size: 10 }, allowedLateness: 0, k: 3, groupsOf: all, ...over });

describe('reference', () => {
  it('counts per key in tumbling windows, ranks by count then key', () => {
    const { results } = referenceWindowTopK([recs(['b', 1], ['a', 2], ['b', 3], ['c', 12])], cfg());
    expect(results).toEqual([
      { windowStart: 0, windowEnd: 10, group: 'all', entries: [{ key: 'b', count: 2, sum: 2 }, { key: 'a', count: 1, sum: 1 }] },
      { windowStart: 10, windowEnd: 20, group: 'all', entries: [{ key: 'c', count: 1, sum: 1 }] },
    ]);
  });

  it('puts one record in size/slide sliding windows and truncates to k, ties by key', () => {
    const { results } = referenceWindowTopK([recs(['z', 15], ['y', 15], ['x', 15])], cfg({ window: { kind: 'sliding', size: 30, slide: 10 }, k: 2 }));
    // t=15 lies in [-10,20), [0,30), [10,40); all three tie at 1: x, y win.
    expect(results.map((r) => [r.windowStart, r.entries.map((e) => e.key)])).toEqual([[-10, ['x', 'y']], [0, ['x', 'y']], [10, ['x', 'y']]]);
  });

  it('sends a record late only when all its windows are closed', () => {
    const sliding: RefConfig = cfg({ window: { kind: 'sliding', size: 20, slide: 10 } });
    // After watermark 19, [0,20) is closed but [10,30) is open: t=12 counts in [10,30) only.
    const { results, late } = referenceWindowTopK([recs(['a', 5]), wm(19), recs(['a', 12], ['a', 3])], sliding);
    expect(late).toEqual([{ key: 'a', ts: 3, value: 1 }]);
    expect(results.map((r) => [r.windowStart, r.entries[0]!.count])).toEqual([[-10, 1], [0, 1], [10, 1]]);
  });

  it('keeps a window open for the allowed lateness and fires each window once', () => {
    const { results, late } = referenceWindowTopK([recs(['a', 1]), wm(12), recs(['a', 2]), wm(14), wm(14), recs(['a', 3])], cfg({ allowedLateness: 5 }));
    expect(results).toEqual([{ windowStart: 0, windowEnd: 10, group: 'all', entries: [{ key: 'a', count: 2, sum: 2 }] }]);
    expect(late).toEqual([{ key: 'a', ts: 3, value: 1 }]);
  });

  it('ranks within groups and in "all"', () => {
    const groupsOf = (k: string): string[] => [k.startsWith('m') ? 'movies' : 'news', 'all'];
    const { results } = referenceWindowTopK([recs(['m1', 1], ['n1', 2], ['n1', 3])], cfg({ groupsOf }));
    expect(results.map((r) => [r.group, r.entries.map((e) => `${e.key}:${e.count}`)])).toEqual([
      ['all', ['n1:2', 'm1:1']],
      ['movies', ['m1:1']],
      ['news', ['n1:2']],
    ]);
  });

  it('generates the same case for the same seed', () => {
    expect(randomCase(7)).toEqual(randomCase(7));
    expect(randomCase(7)).not.toEqual(randomCase(8));
  });
});
