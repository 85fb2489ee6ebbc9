import { describe, expect, it } from 'vitest';
import { partitionerFor } from '../harness/workload.js';
import { BidSchema } from './bid.js';
import { flushBids } from './bid-topic.js';

describe('flushBids', () => {
  it('puts 8 bids with negative auction ids on every partition, each where its key belongs', () => {
    const flush = flushBids(1_000_000, 6);
    expect(flush).toHaveLength(48);
    const partitionOf = partitionerFor(6);
    for (let p = 0; p < 6; p += 1) expect(flush.filter((r) => r.partition === p)).toHaveLength(8);
    for (const r of flush) {
      const bid = BidSchema.parse(JSON.parse(String(r.value)));
      expect(bid.auction).toBeLessThan(0);
      expect(r.key).toBe(String(bid.auction));
      expect(r.partition).toBe(partitionOf(String(r.key)));
      // Past the last window holding real bids: it ends by 1,000,000 + 10 s, closed at a watermark of
      // its end − 1, and the watermark lags 4 s behind the flush bids (plus two slides of margin).
      expect(bid.dateTime).toBe(1_000_000 + 10_000 + 4_000 + 4_000);
    }
    expect(new Set(flush.map((r) => r.key)).size).toBe(48);
  });
});
