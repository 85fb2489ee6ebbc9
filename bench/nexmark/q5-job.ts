/**
 * Nexmark q5 ("hot items") as an Eddy job: bids per auction in a sliding window (10 s, every 2 s, as
 * the newest q5.sql), then per window the auctions with the most bids, ties included.
 *
 * Stage 1 reads the bids (keyed by auction id, so `by-auction` shuffles nothing) and counts them
 * per auction and window. `by-window` repartitions the counts by window start; `hottest` keeps the
 * window's maximum and the auctions that reach it, and writes them when the window is complete: at
 * an event-time timer at `windowEnd − 1`, the watermark at which every task upstream has fired
 * that window (their counts reach it before their watermark does). `topK` would not do: it keeps
 * k entries, and a tie at the maximum may hold any number of auctions.
 *
 * `eddy run ./dist/bench/nexmark/q5-job.js --input-topic bids --output-topic hot-items --bounded`
 */
import * as z from 'zod';
import { count, defineJob, durationMs, jsonSerde, sliding, valueState, type KeyedProcessFunction, type WindowResult } from '../../engine/index.js';
import { BidSchema, Q5_OUT_OF_ORDERNESS_MS, Q5_WINDOW, type Bid, type HotItem } from './bid.js';

const topic = z.string().regex(/^[a-zA-Z0-9._-]{1,249}$/, 'expected a Kafka topic name');

/**
 * The job's options (CLI flags `--input-topic`, `--window`, …).
 *
 * @example
 * Q5Options.parse({ inputTopic: 'bids' }) // { inputTopic: 'bids', outputTopic: 'nexmark-q5', dlqTopic: 'bids-dlq', window: 10000, slide: 2000, … }
 */
export const Q5Options = z
  .strictObject({
    inputTopic: topic.default('nexmark-bids'),
    outputTopic: topic.default('nexmark-q5'),
    /** Default: `<input-topic>-dlq`. */
    dlqTopic: topic.optional(),
    window: durationMs.prefault(`${Q5_WINDOW.sizeMs}ms`),
    slide: durationMs.prefault(`${Q5_WINDOW.slideMs}ms`),
    outOfOrderness: durationMs.prefault(`${Q5_OUT_OF_ORDERNESS_MS}ms`),
    /** A partition without bids this long stops holding the watermark back. */
    idleTimeout: durationMs.prefault('1m'),
  })
  .refine((o) => o.slide > 0 && o.window >= o.slide, { message: 'must be positive and at most --window', path: ['slide'] })
  .transform((o) => ({ ...o, dlqTopic: o.dlqTopic ?? `${o.inputTopic}-dlq` }));

/** The window's maximum so far and the auctions that reach it. */
interface Hottest {
  windowEnd: number;
  num: number;
  auctions: number[];
}

const hottestState = { hottest: valueState<Hottest>() };

/** Keyed by window start: collects the window's counts, writes its hottest auctions when it is complete. */
export const hottestAuctions: KeyedProcessFunction<WindowResult<number>, HotItem, typeof hottestState> = {
  state: hottestState,
  processElement(r, ctx) {
    const h = ctx.state.hottest.get();
    const auction = Number(r.key);
    if (h === undefined || r.value > h.num) {
      ctx.state.hottest.set({ windowEnd: r.windowEnd, num: r.value, auctions: [auction] });
      ctx.timers.registerEventTimeTimer(r.windowEnd - 1);
    } else if (r.value === h.num) {
      h.auctions.push(auction);
      ctx.state.hottest.set(h);
    }
  },
  onTimer(_t, _domain, ctx, out) {
    const h = ctx.state.hottest.get();
    if (h === undefined) return;
    const windowStart = Number(ctx.key);
    for (const auction of h.auctions.sort((a, b) => a - b)) out({ windowStart, windowEnd: h.windowEnd, auction, num: h.num });
    ctx.state.hottest.clear();
  },
};

export default defineJob({
  name: 'nexmark-q5',
  description: 'Nexmark q5: per sliding window, the auctions with the most bids (ties included)',
  options: Q5Options,
  build(b, o) {
    b.source('bids', { topic: o.inputTopic, serde: jsonSerde(BidSchema), timestamp: (bid) => bid.dateTime, outOfOrdernessMs: o.outOfOrderness, idleTimeoutMs: o.idleTimeout, deadLetterTopic: o.dlqTopic })
      // The topic's record key is the auction id (bench/nexmark/bid-topic.ts): no shuffle.
      .keyBy('by-auction', (bid) => String(bid.auction), { partitioning: 'input' })
      .window(sliding(o.window, o.slide))
      .aggregate('bids-per-auction', count<Bid>())
      .keyBy('by-window', (r) => String(r.windowStart))
      .process('hottest', hottestAuctions)
      .sink('hot-items', { topic: o.outputTopic, encode: (h: HotItem) => ({ key: String(h.auction), value: JSON.stringify({ windowStart: h.windowStart, windowEnd: h.windowEnd, auction: h.auction, num: h.num }) }) });
  },
});
