import { describe, expect, it } from 'vitest';
import { buildJob } from '../../engine/api/job-definition.js';
import { OperatorHarness } from '../../engine/testing/operator-harness.js';
import type { Bid, HotItem } from './bid.js';
import { BidGenerator } from './bid-generator.js';
import q5Job, { Q5Options } from './q5-job.js';
import { referenceQ5 } from './q5-reference.js';

const sorted = (rows: readonly HotItem[]): HotItem[] => [...rows].sort((a, b) => a.windowStart - b.windowStart || a.auction - b.auction);

/** Pushes bids in batches, moving the watermark as the source would (max seen − 4 s − 1). */
async function push(h: OperatorHarness, bids: readonly Bid[]): Promise<number> {
  let max = -Infinity;
  for (let i = 0; i < bids.length; i += 500) {
    const batch = bids.slice(i, i + 500);
    await h.push('bids', batch);
    for (const b of batch) max = Math.max(max, b.dateTime);
    await h.watermark(max - 4_000 - 1);
  }
  return max;
}

function output(h: OperatorHarness): HotItem[] {
  return h.records('hot-items').map((r) => {
    const row = JSON.parse(r.encoded.toString()) as HotItem;
    // Keyed by auction id, fields in the documented order.
    expect(r.key).toBe(String(row.auction));
    expect(Object.keys(row)).toEqual(['windowStart', 'windowEnd', 'auction', 'num']);
    return row;
  });
}

const tieWindows = (rows: readonly HotItem[]): number => {
  const per = new Map<number, number>();
  for (const r of rows) per.set(r.windowStart, (per.get(r.windowStart) ?? 0) + 1);
  return [...per.values()].filter((n) => n > 1).length;
};

describe('nexmark-q5 job', () => {
  // Slow event rates, so a few thousand bids span many 10 s windows; at 1,000/s the hot auction changes within the input.
  it.each([
    [1, 50, 3_000, 2],
    [2, 50, 3_000, 3],
    [3, 50, 3_000, 2],
    [4, 1_000, 4_000, 2],
  ])('equals the reference (seed %i, %i events/s, %i bids, parallelism %i)', async (seed, rate, count, parallelism) => {
    const bids = new BidGenerator({ seed, firstEventRate: rate }).take(count);
    const want = referenceQ5(bids).hot;
    expect(new Set(want.map((r) => r.windowStart)).size).toBeGreaterThan(5);
    const h = await OperatorHarness.create(buildJob(q5Job, {}), { parallelism, backend: 'rocksdb' });
    try {
      await push(h, bids);
      await h.endOfInput();
      expect(sorted(output(h))).toEqual(want);
      expect(h.deadLetters()).toEqual([]);
    } finally {
      await h.close();
    }
  });

  it('writes every auction of a tie (bids spread by price over three auctions: many ties)', async () => {
    const bids = new BidGenerator({ seed: 5, firstEventRate: 5 }).take(1_000).map((b) => ({ ...b, auction: 1_000 + (b.price % 3) }));
    const want = referenceQ5(bids).hot;
    expect(tieWindows(want)).toBeGreaterThanOrEqual(5);
    const h = await OperatorHarness.create(buildJob(q5Job, {}), { parallelism: 2 });
    try {
      await push(h, bids);
      await h.endOfInput();
      expect(sorted(output(h))).toEqual(want);
    } finally {
      await h.close();
    }
  });

  it('fires each window on the watermark, not only at the end of input', async () => {
    const bids = new BidGenerator({ seed: 6, firstEventRate: 50 }).take(2_000);
    const want = referenceQ5(bids).hot;
    const h = await OperatorHarness.create(buildJob(q5Job, {}), { parallelism: 2 });
    try {
      const max = await push(h, bids);
      // Windows ending by the watermark + 1 are complete; the others have written nothing yet.
      const before = output(h);
      const wm = max - 4_000 - 1;
      expect(before.length).toBeGreaterThan(0);
      expect(sorted(before)).toEqual(want.filter((r) => r.windowEnd - 1 <= wm));
      // The last window with bids ends at most 10 s after the last bid.
      await h.watermark(max + 10_000);
      expect(sorted(output(h))).toEqual(want);
    } finally {
      await h.close();
    }
  });

  it('has q5.sql’s window and Nexmark’s watermark delay by default, and validates its options', () => {
    expect(Q5Options.parse({})).toEqual({
      inputTopic: 'nexmark-bids', outputTopic: 'nexmark-q5', dlqTopic: 'nexmark-bids-dlq', window: 10_000, slide: 2_000, outOfOrderness: 4_000, idleTimeout: 60_000,
    });
    expect(Q5Options.safeParse({ slide: '20s' }).success).toBe(false);
    expect(Q5Options.safeParse({ outputTopic: 'no spaces' }).success).toBe(false);
    expect(Q5Options.safeParse({ windw: '1m' }).success).toBe(false);
  });

  it('repartitions by window only: the input is declared keyed by auction', () => {
    const { graph } = buildJob(q5Job, {});
    const partitioning = Object.fromEntries(graph.nodes.filter((n) => n.kind === 'keyBy').map((n) => [n.id, (n.config as { partitioning: string }).partitioning]));
    expect(partitioning).toEqual({ 'by-auction': 'input', 'by-window': 'repartition' });
  });
});
