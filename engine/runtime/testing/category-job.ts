/**
 * A test job with every kind of stage: two sources (the watch events and a second topic of them)
 * joined by a union, keyed by category (not the input's record key, so it repartitions), views and
 * watch time per category per tumbling window, and the top 2 categories per window (a merge stage
 * after the repartitioned one).
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as z from 'zod';
import { WatchEventSchema, type WatchEvent } from '../../../jobs/shared/watch-event.js';
import { aggregates, count, defineJob, durationMs, jsonSerde, sum, tumbling } from '../../index.js';

/** This module compiled, as tests (which run from source) pass it to `eddy run <path>`. */
export const CATEGORY_JOB = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'dist', 'engine', 'runtime', 'testing', 'category-job.js');

/** A window's views and watch time of one category, as the output topic holds it. */
export interface CategoryViews {
  category: string;
  windowStart: number;
  windowEnd: number;
  views: number;
  watchSeconds: number;
}

export const CategoryJobOptions = z.strictObject({
  inputTopic: z.string().default('watch-events'),
  secondTopic: z.string().default('watch-events-b'),
  outputTopic: z.string().default('category-views'),
  topTopic: z.string().default('top-categories'),
  window: durationMs.prefault('1m'),
  outOfOrderness: durationMs.prefault('5s'),
  idleTimeout: durationMs.prefault('0ms'),
});

export default defineJob({
  name: 'category-views',
  description: 'views per category per window from two topics, and the top 2 categories (tests only)',
  options: CategoryJobOptions,
  build(b, o) {
    const source = (name: string, topic: string) =>
      b.source(name, { topic, serde: jsonSerde(WatchEventSchema), timestamp: (e: WatchEvent) => e.eventTime, outOfOrdernessMs: o.outOfOrderness, idleTimeoutMs: o.idleTimeout });
    const perCategory = source('events', o.inputTopic)
      .union('both', source('more-events', o.secondTopic))
      .keyBy('by-category', (e) => e.category)
      .window(tumbling(o.window))
      .aggregate('views', aggregates({ views: count<WatchEvent>(), watchSeconds: sum((e: WatchEvent) => e.watchSeconds) }));
    perCategory
      .map('as-record', (r): CategoryViews => ({ category: r.key, windowStart: r.windowStart, windowEnd: r.windowEnd, views: r.value.views, watchSeconds: r.value.watchSeconds }))
      .sink('out', { topic: o.outputTopic, encode: (v) => ({ key: v.category, value: JSON.stringify(v) }) });
    perCategory
      .topK('top-2', { k: 2, score: (v) => v.views })
      .sink('top', { topic: o.topTopic, encode: (t) => ({ key: String(t.windowEnd), value: JSON.stringify({ windowEnd: t.windowEnd, categories: t.entries.map((e) => e.key) }) }) });
  },
});
