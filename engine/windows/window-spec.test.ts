import { describe, expect, it } from 'vitest';
import { WindowGeometry, session, sliding, tumbling } from './window-spec.js';

/** Brute force: every window start multiple of `slide` with start <= ts < start + size. */
function naiveWindows(ts: number, size: number, slide: number): { start: number; end: number }[] {
  const out = [];
  for (let s = Math.floor((ts - size) / slide) * slide; s <= ts; s += slide) if (s <= ts && ts < s + size) out.push({ start: s, end: s + size });
  return out;
}

describe('WindowGeometry', () => {
  it('tumbling windows hold one window per timestamp', () => {
    const g = new WindowGeometry(tumbling(60));
    expect(g.windowsOf(0)).toEqual([{ start: 0, end: 60 }]);
    expect(g.windowsOf(59)).toEqual([{ start: 0, end: 60 }]);
    expect(g.windowsOf(60)).toEqual([{ start: 60, end: 120 }]);
    expect(g.windowsOf(-1)).toEqual([{ start: -60, end: 0 }]);
    expect(g.sliceSize).toBe(60);
  });

  it('matches a brute-force assignment for many sizes, slides and timestamps', () => {
    for (const [size, slide] of [[30, 10], [10, 10], [25, 10], [12, 8], [7, 3], [100, 1]] as const) {
      const g = new WindowGeometry(sliding(size, slide));
      for (let ts = -200; ts < 200; ts += 1) {
        const windows = g.windowsOf(ts);
        expect(windows).toEqual(naiveWindows(ts, size, slide));
        expect(g.lastWindowEnd(ts)).toBe(windows[windows.length - 1]!.end);
        // The record's slice lies inside every window holding the record.
        const se = g.sliceEnd(ts);
        expect(se - g.sliceSize <= ts && ts < se).toBe(true);
        for (const w of windows) expect(g.slicesOf(w.end)).toContain(se);
      }
    }
  });

  it('cuts sliding windows into gcd-sized slices', () => {
    const g = new WindowGeometry(sliding(600_000, 60_000));
    expect(g.sliceSize).toBe(60_000);
    expect(g.slicesOf(600_000)).toHaveLength(10);
    const h = new WindowGeometry(sliding(25, 10));
    expect(h.sliceSize).toBe(5);
    expect(h.slicesOf(30)).toEqual([10, 15, 20, 25, 30]);
    expect(h.lastWindowEndOfSlice(15)).toBe(h.lastWindowEnd(14));
  });

  it('rejects nonsense', () => {
    expect(() => tumbling(0)).toThrow(RangeError);
    expect(() => sliding(10, 20)).toThrow(/must not exceed/);
    expect(() => sliding(10, 1.5)).toThrow(RangeError);
  });
});

describe('windowEndAtOrAfter', () => {
  it('finds the next real window end', () => {
    for (const [size, slide] of [[30, 10], [25, 10], [7, 3]] as const) {
      const g = new WindowGeometry(sliding(size, slide));
      const ends = new Set<number>();
      for (let ts = -100; ts < 200; ts += 1) for (const w of g.windowsOf(ts)) ends.add(w.end);
      for (let t = -50; t < 150; t += 1) {
        const expected = Math.min(...[...ends].filter((e) => e >= t));
        expect(g.windowEndAtOrAfter(t)).toBe(expected);
      }
    }
  });
});

describe('session', () => {
  it('is a gap of a positive whole number of ms', () => {
    expect(session(30 * 60_000)).toEqual({ kind: 'session', gap: 1_800_000 });
    expect(session(1)).toEqual({ kind: 'session', gap: 1 });
  });

  it.each([0, -5, 1.5, Number.NaN, Infinity, 2 ** 53])('rejects a gap of %s, naming it', (gap) => {
    expect(() => session(gap)).toThrow(RangeError);
    expect(() => session(gap)).toThrow(/session gap must be a positive integer of ms/);
  });

  it('has no fixed geometry', () => {
    expect(() => new WindowGeometry(session(1_000))).toThrow(/WindowGeometry is for tumbling and sliding windows; a session window \(gap 1000 ms\)/);
  });
});
