/**
 * Nexmark q5 ("hot items") the naive way, independent of any engine: every bid counts in each
 * epoch-aligned sliding window `[start, start + size)` that holds its `dateTime` (Flink's HOP), bids
 * are counted per window and auction, and each window keeps the auctions whose count is the window's
 * maximum, ties included (q5.sql's join on `num >= maxn`).
 */
import { Q5_WINDOW, type Bid, type HotItem } from './bid.js';

/** What a correct q5 writes for the real bids. */
export interface Q5Expected {
  /** The last real bid's `dateTime`: windows starting later hold only flush bids. */
  maxDateTime: number;
  /** Sorted by window start, then auction. */
  hot: HotItem[];
}

export interface SlidingWindow {
  sizeMs: number;
  slideMs: number;
}

/**
 * Bids are added one at a time, so a benchmark can feed it while it produces them.
 *
 * @example
 * const ref = new Q5Reference();
 * for (const bid of bids) ref.add(bid);
 * ref.result().hot; // [{ windowStart, windowEnd, auction, num }, …]
 */
export class Q5Reference {
  /** Bids per auction, per window start. */
  readonly #counts = new Map<number, Map<number, number>>();
  #maxDateTime = -Infinity;

  constructor(private readonly window: SlidingWindow = Q5_WINDOW) {
    if (!(window.slideMs > 0 && window.sizeMs >= window.slideMs)) throw new RangeError(`bad sliding window ${JSON.stringify(window)}`);
  }

  add(bid: Pick<Bid, 'auction' | 'dateTime'>): void {
    const { sizeMs, slideMs } = this.window;
    const t = bid.dateTime;
    this.#maxDateTime = Math.max(this.#maxDateTime, t);
    for (let start = Math.floor(t / slideMs) * slideMs; start > t - sizeMs; start -= slideMs) {
      let perAuction = this.#counts.get(start);
      if (!perAuction) this.#counts.set(start, (perAuction = new Map()));
      perAuction.set(bid.auction, (perAuction.get(bid.auction) ?? 0) + 1);
    }
  }

  result(): Q5Expected {
    const hot: HotItem[] = [];
    for (const start of [...this.#counts.keys()].sort((a, b) => a - b)) {
      const perAuction = this.#counts.get(start)!;
      let max = 0;
      for (const n of perAuction.values()) max = Math.max(max, n);
      const top = [...perAuction].filter(([, n]) => n === max).map(([auction]) => auction).sort((a, b) => a - b);
      for (const auction of top) hot.push({ windowStart: start, windowEnd: start + this.window.sizeMs, auction, num: max });
    }
    return { maxDateTime: this.#maxDateTime, hot };
  }
}

/**
 * q5 of a list of bids.
 *
 * @example
 * referenceQ5([{ auction: 7, dateTime: 1_000 }], { sizeMs: 4_000, slideMs: 2_000 }).hot
 * // [{ windowStart: -2000, windowEnd: 2000, auction: 7, num: 1 }, { windowStart: 0, windowEnd: 4000, auction: 7, num: 1 }]
 */
export function referenceQ5(bids: Iterable<Pick<Bid, 'auction' | 'dateTime'>>, window: SlidingWindow = Q5_WINDOW): Q5Expected {
  const ref = new Q5Reference(window);
  for (const b of bids) ref.add(b);
  return ref.result();
}
