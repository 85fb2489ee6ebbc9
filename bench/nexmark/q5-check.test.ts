import { describe, expect, it } from 'vitest';
import { Q5Check } from './q5-check.js';
import type { Q5Expected } from './q5-reference.js';

// Two windows with real bids (the last at 13 000); window 12 000 has a tie.
const expected: Q5Expected = {
  maxDateTime: 13_000,
  hot: [
    { windowStart: 10_000, windowEnd: 20_000, auction: 1000, num: 5 },
    { windowStart: 12_000, windowEnd: 22_000, auction: 1000, num: 3 },
    { windowStart: 12_000, windowEnd: 22_000, auction: 1100, num: 3 },
  ],
};

const record = (windowStart: number, auction: number, num: number, windowEnd = windowStart + 10_000): [string, Buffer] => [
  String(auction),
  Buffer.from(JSON.stringify({ windowStart, windowEnd, auction, num })),
];

function checked(records: [string | null, Buffer][]): Q5Check {
  const c = new Q5Check(expected);
  for (const [k, v] of records) c.add(k, v);
  return c;
}

describe('Q5Check', () => {
  it('is complete and has no problems when every triple comes once, in any order', () => {
    const c = checked([record(12_000, 1100, 3), record(10_000, 1000, 5), record(12_000, 1000, 3)]);
    expect(c.problems).toEqual([]);
    expect(c.complete).toBe(true);
    expect(c.progress()).toBe('3 of 3 (window, auction, count) triples');
  });

  it('is incomplete without one of a tie, and names it', () => {
    const c = checked([record(10_000, 1000, 5), record(12_000, 1000, 3)]);
    expect(c.complete).toBe(false);
    expect(c.problems).toEqual([]);
    expect(c.progress()).toBe('2 of 3 (window, auction, count) triples; missing {"windowStart":12000,"windowEnd":22000,"auction":1100,"num":3}');
  });

  it('ignores windows starting after the last real bid (flush bids only)', () => {
    const c = checked([record(14_000, -3, 8), record(10_000, 1000, 5)]);
    expect(c.problems).toEqual([]);
    expect(c.progress()).toMatch(/^1 of 3/);
  });

  it.each([
    ['an extra auction', record(10_000, 1001, 5), /^extra /],
    ['a wrong count', record(10_000, 1000, 4), /^wrong .*"num":4.*expected .*"num":5/],
    ['a wrong window end', record(10_000, 1000, 5, 30_000), /^wrong /],
    ['a window the reference has no rows for', record(8_000, 1000, 1), /^extra /],
    ['an unreadable record', [null, Buffer.from('{"windowStart":1')] as [null, Buffer], /^unreadable /],
    ['a missing field', [null, Buffer.from('{"windowStart":10000,"windowEnd":20000,"auction":1000}')] as [null, Buffer], /^unreadable /],
    ['a record keyed by something else', ['10000', record(10_000, 1000, 5)[1]] as [string, Buffer], /^key "10000"/],
  ])('reports %s', (_, r, problem) => {
    const c = checked([r]);
    expect(c.problems).toHaveLength(1);
    expect(c.problems[0]).toMatch(problem);
  });

  it('reports a duplicate, though the set is complete', () => {
    const c = checked([record(10_000, 1000, 5), record(12_000, 1000, 3), record(12_000, 1100, 3), record(12_000, 1000, 3)]);
    expect(c.complete).toBe(true);
    expect(c.problems).toEqual(['duplicate {"windowStart":12000,"windowEnd":22000,"auction":1000,"num":3}']);
  });

  it('keeps only the first ten problems', () => {
    const c = checked(Array.from({ length: 25 }, (_, i) => record(10_000, 2000 + i, 1)));
    expect(c.problems).toHaveLength(10);
    expect(c.problems[0]).toMatch(/"auction":2000/);
  });
});
