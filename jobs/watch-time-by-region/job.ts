/**
 * watch-time-by-region: views and watch seconds per (region, device) per tumbling event-time window,
 * to the `watch-time-by-region` topic. The input is keyed by content id, so the `by-region` keyBy
 * repartitions: each `region:device` key is counted by the one task that owns it.
 */
import * as z from 'zod';
import { aggregates, attribute, count, defineJob, durationMs, numberFlag, sum, tumbling, type EncodedRecord, type WindowResult } from '../../engine/index.js';
import { encodeWatchEvent, type WatchEvent } from '../shared/watch-event.js';
import { kafkaTopic, watchEventOptions, watchEventSource, withTopicDefaults } from '../shared/watch-event-source.js';

const { inputTopic, dlqTopic, lateTopic, outOfOrderness, allowedLateness, idleTimeout } = watchEventOptions;

/**
 * The job's options (CLI flags: `--input-topic`, `--window`, `--partitions`, …).
 *
 * @example
 * WatchTimeByRegionOptions.parse({ window: '5m' }).lateTopic // 'watch-events-late'
 */
export const WatchTimeByRegionOptions = z
  .strictObject({
    inputTopic,
    outputTopic: kafkaTopic.default('watch-time-by-region'),
    dlqTopic,
    lateTopic,
    window: durationMs.prefault('1m'),
    outOfOrderness,
    allowedLateness,
    idleTimeout,
    /** Partitions of the repartition topic; default: as many as the input topic has. */
    partitions: numberFlag((n) => n.int().min(1)).optional(),
  })
  .refine((o) => o.window > 0, { message: 'must be positive', path: ['window'] })
  .transform(withTopicDefaults);

export type WatchTimeByRegionConfig = z.output<typeof WatchTimeByRegionOptions>;

/** What is aggregated per `region:device` key and window. */
export const regionStats = aggregates({
  views: count<WatchEvent>(),
  watchSeconds: sum((e: WatchEvent) => e.watchSeconds),
  // The same in every record of a key: carried along so the output record needs no parsing of the key.
  region: attribute((e: WatchEvent) => e.region),
  device: attribute((e: WatchEvent) => e.device),
});

/** One record of the `watch-time-by-region` topic. */
export interface WatchTimeRecord {
  windowStart: number;
  windowEnd: number;
  region: string;
  device: string;
  views: number;
  watchSeconds: number;
}

/**
 * One window's totals of one (region, device) as the output record: JSON with its fields in the
 * documented order, keyed by `region:device`.
 *
 * @example
 * encodeWatchTime({ key: 'IN-MH:tv', windowStart: 0, windowEnd: 60_000, early: false, value: { views: 2, watchSeconds: 90, region: 'IN-MH', device: 'tv' } })
 * // { key: 'IN-MH:tv', value: '{"windowStart":0,"windowEnd":60000,"region":"IN-MH","device":"tv","views":2,"watchSeconds":90}' }
 */
export function encodeWatchTime(r: WindowResult<{ views: number; watchSeconds: number; region: string | null; device: string | null }>): EncodedRecord {
  // A window fires only for keys it saw records of, so both attributes are set.
  const record: WatchTimeRecord = { windowStart: r.windowStart, windowEnd: r.windowEnd, region: r.value.region!, device: r.value.device!, views: r.value.views, watchSeconds: r.value.watchSeconds };
  return { key: r.key, value: JSON.stringify(record) };
}

export default defineJob({
  name: 'watch-time-by-region',
  description: 'views and watch seconds per region and device per tumbling window, from watch events',
  options: WatchTimeByRegionOptions,
  build(b, o) {
    const perRegion = watchEventSource(b, o)
      .keyBy('by-region', (e) => `${e.region}:${e.device}`, { partitions: o.partitions })
      .window(tumbling(o.window), { allowedLatenessMs: o.allowedLateness })
      .aggregate('watch-time-per-window', regionStats);
    perRegion.late().sink('late-events', { topic: o.lateTopic, encode: (e) => ({ key: e.contentId, value: encodeWatchEvent(e) }) });
    perRegion.sink('watch-time-by-region', { topic: o.outputTopic, encode: encodeWatchTime });
  },
});
