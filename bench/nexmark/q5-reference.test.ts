import { describe, expect, it } from 'vitest';
import { referenceQ5 } from './q5-reference.js';

// q5's window: 10 s, sliding by 2 s. A bid at t counts in the windows [s, s + 10 000) with s a
// multiple of 2 000 and t − 10 000 < s ≤ t:
//   bid 1: auction 1 at 20 500 → s ∈ {12 000, 14 000, 16 000, 18 000, 20 000}
//   bid 2: auction 2 at 21 000 → s ∈ {12 000, 14 000, 16 000, 18 000, 20 000}
//   bid 3: auction 2 at 23 999 → s ∈ {14 000, 16 000, 18 000, 20 000, 22 000}
//   bid 4: auction 3 at 24 000 → s ∈ {16 000, 18 000, 20 000, 22 000, 24 000} (not 14 000: its window ends at 24 000, exclusive)
// Counts per window, and the rows with the window's maximum:
//   12 000: a1 1, a2 1       → (1, 1), (2, 1)   a tie: both
//   14 000: a1 1, a2 2       → (2, 2)
//   16 000: a1 1, a2 2, a3 1 → (2, 2)
//   18 000: same             → (2, 2)
//   20 000: same             → (2, 2)
//   22 000: a2 1, a3 1       → (2, 1), (3, 1)   a tie
//   24 000: a3 1             → (3, 1)
const bids = [
  { auction: 1, dateTime: 20_500 },
  { auction: 2, dateTime: 21_000 },
  { auction: 2, dateTime: 23_999 },
  { auction: 3, dateTime: 24_000 },
];
const row = (windowStart: number, auction: number, num: number) => ({ windowStart, windowEnd: windowStart + 10_000, auction, num });
const handComputed = [
  row(12_000, 1, 1), row(12_000, 2, 1),
  row(14_000, 2, 2),
  row(16_000, 2, 2),
  row(18_000, 2, 2),
  row(20_000, 2, 2),
  row(22_000, 2, 1), row(22_000, 3, 1),
  row(24_000, 3, 1),
];

describe('referenceQ5', () => {
  it('keeps every auction with its window’s maximum count, ties included (hand-computed)', () => {
    expect(referenceQ5(bids)).toEqual({ maxDateTime: 24_000, hot: handComputed });
  });

  it('does not depend on the order of the bids', () => {
    expect(referenceQ5([...bids].reverse()).hot).toEqual(handComputed);
  });

  it('takes other windows: 4 s by 4 s (tumbling)', () => {
    // [20 000, 24 000): a1 1, a2 2 → (2, 2); [24 000, 28 000): a3 1 → (3, 1)
    expect(referenceQ5(bids, { sizeMs: 4_000, slideMs: 4_000 }).hot).toEqual([
      { windowStart: 20_000, windowEnd: 24_000, auction: 2, num: 2 },
      { windowStart: 24_000, windowEnd: 28_000, auction: 3, num: 1 },
    ]);
  });

  it('refuses a slide longer than the window', () => {
    expect(() => referenceQ5(bids, { sizeMs: 2_000, slideMs: 4_000 })).toThrow(/bad sliding window/);
  });
});
