/**
 * The records of the Nexmark q5 workload, as both engines read and write them. Input: key = auction
 * id as a decimal string, value = JSON with Nexmark's bid fields (`dateTime` in epoch ms). Output:
 * key = auction id, value = JSON `{"windowStart","windowEnd","auction","num"}`.
 */
import * as z from 'zod';

/**
 * One bid (Nexmark's `Bid`): real auctions have ids ≥ 1000, the flush bids negative ones.
 *
 * @example
 * BidSchema.parse({ auction: 1001, bidder: 2001, price: 123, channel: 'Google', url: 'https://www.nexmark.com/a/b/c/item.htm?query=1', dateTime: 1767225600000, extra: '' });
 */
export const BidSchema = z.object({
  auction: z.number().int(),
  bidder: z.number().int(),
  price: z.number().int(),
  channel: z.string(),
  url: z.string(),
  dateTime: z.number().int(),
  extra: z.string(),
});

export type Bid = z.output<typeof BidSchema>;

/** One row of q5's output: an auction with the most bids of its window. */
export interface HotItem {
  windowStart: number;
  windowEnd: number;
  auction: number;
  num: number;
}

/** q5.sql's window: `HOP(TABLE bid, DESCRIPTOR(dateTime), INTERVAL '2' SECOND, INTERVAL '10' SECOND)`. */
export const Q5_WINDOW = { sizeMs: 10_000, slideMs: 2_000 } as const;

/** Nexmark's DDL: `WATERMARK FOR dateTime AS dateTime - INTERVAL '4' SECOND`. */
export const Q5_OUT_OF_ORDERNESS_MS = 4_000;

/**
 * The Kafka record of a bid, fields in the fixed order.
 *
 * @example
 * encodeBid(bid) // { key: '1001', value: '{"auction":1001,"bidder":2001,…,"extra":""}' }
 */
export function encodeBid(b: Bid): { key: string; value: string } {
  const value: Bid = { auction: b.auction, bidder: b.bidder, price: b.price, channel: b.channel, url: b.url, dateTime: b.dateTime, extra: b.extra };
  return { key: String(b.auction), value: JSON.stringify(value) };
}
