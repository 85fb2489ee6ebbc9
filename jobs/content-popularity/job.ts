/**
 * content-popularity: trending content from watch events. Views and watch time per content id per
 * sliding window, and the top K per window, per category and overall, to the `trending` topic.
 */
import * as z from 'zod';
import { encodeWatchEvent, type WatchEvent } from '../shared/watch-event.js';
import { kafkaTopic, watchEventOptions, watchEventSource, withTopicDefaults } from '../shared/watch-event-source.js';
import { aggregates, attribute, count, defineJob, durationMs, numberFlag, sliding, sum, type EncodedRecord, type TopKResult, type WindowResultStream } from '../../engine/index.js';
import { trendingDisplay } from './trending-display.js';
import { trendingViews } from './trending-metrics.js';
import { trendingViewSpec } from './trending-view.js';
import { ALL_CATEGORIES, type TrendingRecord } from './trending-record.js';

const { inputTopic, dlqTopic, lateTopic, outOfOrderness, allowedLateness, idleTimeout } = watchEventOptions;

export const ContentPopularityOptions = z
  .strictObject({
    inputTopic,
    outputTopic: kafkaTopic.default('trending'),
    dlqTopic,
    lateTopic,
    window: durationMs.prefault('10m'),
    slide: durationMs.prefault('1m'),
    top: numberFlag((n) => n.int().min(1).max(1_000)).default(10),
    outOfOrderness,
    allowedLateness,
    idleTimeout,
  })
  .refine((o) => o.slide > 0 && o.slide <= o.window, { message: 'must be positive and at most --window', path: ['slide'] })
  .transform(withTopicDefaults);

export type ContentPopularityConfig = z.output<typeof ContentPopularityOptions>;

/** What is aggregated per content id and window. */
export const contentStats = aggregates({
  views: count<WatchEvent>(),
  watchSeconds: sum((e: WatchEvent) => e.watchSeconds),
  category: attribute((e: WatchEvent) => e.category),
});

/** One window's ranking of one category as the `trending` topic's record (trending-record.ts), keyed by the category. */
function encodeTrending(t: TopKResult<{ views: number; watchSeconds: number }>): EncodedRecord {
  const record: TrendingRecord = {
    windowStart: t.windowStart,
    windowEnd: t.windowEnd,
    category: t.group,
    rankings: t.entries.map((e) => ({ rank: e.rank, contentId: e.key, views: e.value.views, watchSeconds: e.value.watchSeconds })),
    emittedAt: Date.now(),
  };
  return { key: t.group, value: JSON.stringify(record) };
}

/** Late events to the late topic, and the top K per window, per category and overall, to the trending topic. */
export function rankTrending(perContent: WindowResultStream<WatchEvent, { views: number; watchSeconds: number; category: string | null }>, o: ContentPopularityConfig): void {
  perContent.late().sink('late-events', { topic: o.lateTopic, encode: (e) => ({ key: e.contentId, value: encodeWatchEvent(e) }) });
  perContent
    .topK('top-k', { k: o.top, score: (s) => s.views, groups: (r) => [r.value.category ?? ALL_CATEGORIES, ALL_CATEGORIES], overall: ALL_CATEGORIES })
    .sink('trending', { topic: o.outputTopic, encode: encodeTrending });
}

export default defineJob({
  name: 'content-popularity',
  description: 'top-K content per sliding window, per category and overall, from watch events',
  options: ContentPopularityOptions,
  views: (o) => [trendingViewSpec(o.outputTopic)],
  metrics: [trendingViews],
  display: trendingDisplay,
  build(b, o) {
    rankTrending(
      watchEventSource(b, o)
        .keyBy('by-content', (e) => e.contentId, { partitioning: 'input' })
        .window(sliding(o.window, o.slide), { allowedLatenessMs: o.allowedLateness })
        .aggregate('views-per-window', contentStats),
      o,
    );
  },
});
