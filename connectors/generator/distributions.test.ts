import { describe, expect, it } from 'vitest';
import { SplitMix32, ZipfSampler } from './distributions.js';

describe('SplitMix32', () => {
  it('is deterministic and spreads values', () => {
    const a = new SplitMix32(42);
    const b = new SplitMix32(42);
    const xs = Array.from({ length: 1_000 }, () => a.nextUint32());
    expect(xs).toEqual(Array.from({ length: 1_000 }, () => b.nextUint32()));
    expect(new Set(xs).size).toBe(1_000);
    const buckets = new Array<number>(10).fill(0);
    const r = new SplitMix32(1);
    for (let i = 0; i < 100_000; i += 1) buckets[r.nextInt(10)]! += 1;
    for (const n of buckets) expect(Math.abs(n - 10_000)).toBeLessThan(500);
  });
});

describe('ZipfSampler', () => {
  it('matches the exact probabilities (chi-square on the head, total mass on the tail)', () => {
    const z = new ZipfSampler(1_000, 1.1, new SplitMix32(3));
    const n = 200_000;
    const counts = new Map<number, number>();
    for (let i = 0; i < n; i += 1) {
      const k = z.sample();
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
    let h = 0;
    for (let k = 1; k <= 1_000; k += 1) h += 1 / Math.pow(k, 1.1);
    let chi2 = 0;
    for (let k = 0; k < 20; k += 1) {
      const expected = (n / Math.pow(k + 1, 1.1)) / h;
      expect(z.probability(k)).toBeCloseTo(1 / Math.pow(k + 1, 1.1) / h, 12);
      chi2 += ((counts.get(k) ?? 0) - expected) ** 2 / expected;
    }
    // 19 degrees of freedom: p = 0.001 at 43.8.
    expect(chi2).toBeLessThan(43.8);
  });

  it('is uniform with s = 0 and builds a million-item table quickly', () => {
    const z = new ZipfSampler(4, 0, new SplitMix32(9));
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 40_000; i += 1) counts[z.sample()]! += 1;
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(400);
    const t0 = performance.now();
    new ZipfSampler(1_000_000, 1.1, new SplitMix32(1));
    expect(performance.now() - t0).toBeLessThan(2_000);
  });
});
