/**
 * {{name}}: how many views of at least --min-watch-seconds each category gets per tumbling
 * event-time window, read from the watch events `eddy generate` writes (JSON, keyed by content id)
 * and written as JSON, keyed by category. The category is not the input's record key, so the
 * `by-category` keyBy repartitions (`npx eddy plan ./dist/job.js` shows the two stages).
 */
import * as z from 'zod';
import { count, counter, defineJob, durationMs, jsonSerde, numberFlag, tumbling, type EncodedRecord, type WindowResult } from 'eddy';

/** The fields of a watch event this job reads; the others are dropped when it is decoded. */
export const ViewSchema = z.object({
  contentId: z.string().min(1),
  category: z.string().min(1),
  watchSeconds: z.number().nonnegative(),
  eventTime: z.number().int().nonnegative(),
});
export type View = z.infer<typeof ViewSchema>;

/** The job's options: each is a flag (`--output-topic`, `--window`), a variable or a --config key. */
export const Options = z.strictObject({
  inputTopic: z.string().min(1).default('watch-events'),
  outputTopic: z.string().min(1).default('{{name}}'),
  window: durationMs.prefault('1m'),
  outOfOrderness: durationMs.prefault('5s'),
  minWatchSeconds: numberFlag((n) => n.min(0)).default(5),
});

/** A metric of the job's own, on the runner's /metrics (with `job_name`). */
export const shortViews = counter({ name: 'short_views_skipped_total', help: 'Views shorter than --min-watch-seconds, not counted.' });

/** One output record. */
export interface CategoryViews {
  category: string;
  windowStart: number;
  windowEnd: number;
  views: number;
}

export function encode(r: WindowResult<number>): EncodedRecord {
  const record: CategoryViews = { category: r.key, windowStart: r.windowStart, windowEnd: r.windowEnd, views: r.value };
  return { key: r.key, value: JSON.stringify(record) };
}

export default defineJob({
  name: '{{name}}',
  description: 'views per category per tumbling window, from watch events',
  options: Options,
  metrics: [shortViews],
  build(b, o) {
    b.source('views', { topic: o.inputTopic, serde: jsonSerde(ViewSchema), timestamp: (v) => v.eventTime, outOfOrdernessMs: o.outOfOrderness })
      .filter('long-enough', (v) => {
        if (v.watchSeconds >= o.minWatchSeconds) return true;
        shortViews.inc({});
        return false;
      })
      .keyBy('by-category', (v) => v.category)
      .window(tumbling(o.window))
      .aggregate('views-per-window', count<View>())
      .sink('category-views', { topic: o.outputTopic, encode });
  },
});
