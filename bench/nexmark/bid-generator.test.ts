import { describe, expect, it } from 'vitest';
import { median } from '../harness/report.js';
import { BidSchema, encodeBid } from './bid.js';
import { BidGenerator } from './bid-generator.js';

const BASE = 1_767_225_600_000;

// Nexmark's event sequence, 50 events per epoch: event 50e is a person, 50e+1…50e+3 auctions
// (ids 3e…3e+2, from 1000), 50e+4…50e+49 bids; event n happens at base + ⌊n · 100 µs / 1000⌋ ms
// at 10,000 events/s. The current hot auction is the last auction rounded down to a hundred.
const eventOf = (bidIndex: number): number => Math.floor(bidIndex / 46) * 50 + 4 + (bidIndex % 46);
const lastAuction = (n: number): number => Math.floor(n / 50) * 3 + 2;

describe('BidGenerator', () => {
  const bids = new BidGenerator({ seed: 7 }).take(100_000);

  it('is deterministic per seed', () => {
    expect(new BidGenerator({ seed: 7 }).take(1_000)).toEqual(bids.slice(0, 1_000));
    expect(new BidGenerator({ seed: 8 }).take(1_000)).not.toEqual(bids.slice(0, 1_000));
  });

  it('times bids as events of the full sequence, 10 per ms', () => {
    // Bid 45 is event 49 (4.9 ms → 4), bid 46 is event 54 (5.4 ms → 5): events 50–53 are a person and three auctions.
    expect(bids[0]!.dateTime).toBe(BASE);
    expect(bids[45]!.dateTime).toBe(BASE + 4);
    expect(bids[46]!.dateTime).toBe(BASE + 5);
    // 100,000 bids are 108,695 events ⇒ the last at 10,869 ms.
    expect(bids.at(-1)!.dateTime).toBe(BASE + Math.floor(eventOf(99_999) / 10));
    for (let i = 1; i < bids.length; i += 1) if (bids[i]!.dateTime < bids[i - 1]!.dateTime) throw new Error(`dateTime decreases at bid ${i}`);
  });

  it('follows the event rate it is given', () => {
    const slow = new BidGenerator({ seed: 1, firstEventRate: 50, baseTime: 0 }).take(4_600);
    // 4,600 bids: events 4…4,999 at 20 ms each.
    expect(slow.at(-1)!.dateTime).toBe(4_999 * 20);
  });

  it('bids on the hot auction half of the time, else on one in flight', () => {
    let hot = 0;
    const outOfRange: number[] = [];
    bids.forEach((b, i) => {
      const last = lastAuction(eventOf(i));
      if (b.auction === Math.floor(last / 100) * 100 + 1_000) hot += 1;
      // In flight: the last 100 auctions, plus 10 ids not created yet.
      if (b.auction - 1_000 < Math.max(last - 100, 0) || b.auction - 1_000 > last + 10) outOfRange.push(i);
    });
    expect(outOfRange).toEqual([]);
    // 1/2 hot, plus the random ones that hit it (1 in 111 of the other half).
    expect(hot / bids.length).toBeGreaterThan(0.49);
    expect(hot / bids.length).toBeLessThan(0.52);
    // The hot auction moves every 100 auctions: 1,000 in the first 1,667 events, 1,100 after.
    expect(new Set(bids.slice(0, 1_500).filter((_, i) => eventOf(i) < 1_650).map((b) => b.auction)).has(1_100)).toBe(false);
    expect(bids.filter((b) => b.auction === 1_100).length).toBeGreaterThan(500);
  });

  it('draws bidders, prices and channels as Nexmark does', () => {
    // 3/4 by the hot bidder: person ⌊epoch / 100⌋ · 100 + 1, offset by 2 · 1000 (Nexmark adds FIRST_PERSON_ID twice).
    const hotBidder = bids.filter((b, i) => b.bidder === Math.floor(Math.floor(eventOf(i) / 50) / 100) * 100 + 1 + 2_000).length / bids.length;
    expect(hotBidder).toBeGreaterThan(0.74);
    expect(hotBidder).toBeLessThan(0.77);
    expect(Math.min(...bids.map((b) => b.bidder))).toBeGreaterThanOrEqual(2_000);
    // Prices are 100 · 10^(6u): log-uniform over [100, 10^8], median 10^5.
    const prices = bids.map((b) => b.price);
    expect(Math.min(...prices)).toBeGreaterThanOrEqual(100);
    expect(Math.max(...prices)).toBeLessThanOrEqual(100_000_000);
    expect(median(prices)).toBeGreaterThan(90_000);
    expect(median(prices)).toBeLessThan(111_000);
    // Half on one of four hot channels (one URL each), half on channel-0…9999.
    const isHot = (b: { channel: string }): boolean => ['Google', 'Facebook', 'Baidu', 'Apple'].includes(b.channel);
    const hotChannels = bids.filter(isHot);
    expect(hotChannels.length / bids.length).toBeGreaterThan(0.49);
    expect(hotChannels.length / bids.length).toBeLessThan(0.51);
    expect(new Set(hotChannels.map((b) => b.url)).size).toBe(4);
    expect(bids.filter((b) => !isHot(b)).every((b) => /^channel-\d{1,4}$/.test(b.channel))).toBe(true);
    expect(bids.every((b) => b.url.startsWith('https://www.nexmark.com/') && b.url.includes('/item.htm?query=1'))).toBe(true);
  });

  it('encodes a bid as the fixed record: key = auction id, JSON fields in order', () => {
    const r = encodeBid(bids[1]!);
    expect(r.key).toBe(String(bids[1]!.auction));
    expect(Object.keys(JSON.parse(r.value))).toEqual(['auction', 'bidder', 'price', 'channel', 'url', 'dateTime', 'extra']);
    expect(BidSchema.parse(JSON.parse(r.value))).toEqual(bids[1]);
  });
});
