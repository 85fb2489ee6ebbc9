/**
 * watch-time-by-region: views and watch seconds per (region, device) per tumbling event-time window,
 * to the `watch-time-by-region` topic. The input is keyed by content id, so the `by-region` keyBy
 * repartitions: each `region:device` key is counted by the one task that owns it.
 */
import * as z from 'zod';
import { aggregates, attribute, count, defineJob, durationMs, jsonSerde, numberFlag, sum, tumbling, type EncodedRecord, type WindowResult } from '../../engine/index.js';
import { WatchEventSchema, encodeWatchEvent, type WatchEvent } from '../shared/watch-event.js';

const topic = z.string().regex(/^[a-zA-Z0-9._-]{1,249}$/, 'expected a Kafka topic name');

/**
 * The job's options (CLI flags: `--input-topic`, `--window`, `--partitions`, …).
 *
 * @example
 * WatchTimeByRegionOptions.parse({ window: '5m' }).lateTopic // 'watch-events-late'
 */
export const WatchTimeByRegionOptions = z
  .strictObject({
    inputTopic: topic.default('watch-events'),
    outputTopic: topic.default('watch-time-by-region'),
    /** Default: `<input-topic>-dlq`. */
    dlqTopic: topic.optional(),
    /** Default: `<input-topic>-late`. */
    lateTopic: topic.optional(),
    window: durationMs.prefault('1m'),
    outOfOrderness: durationMs.prefault('30s'),
    allowedLateness: durationMs.prefault('0ms'),
    /** A partition without records this long stops holding the watermark back. */
    idleTimeout: durationMs.prefault('1m'),
    /** Partitions of the repartition topic; default: as many as the input topic has. */
    partitions: numberFlag((n) => n.int().min(1)).optional(),
  })
  .refine((o) => o.window > 0, { message: 'must be positive', path: ['window'] })
  .transform((o) => ({ ...o, dlqTopic: o.dlqTopic ?? `${o.inputTopic}-dlq`, lateTopic: o.lateTopic ?? `${o.inputTopic}-late` }));

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
    const perRegion = b
      .source('watch-events', {
        topic: o.inputTopic,
        serde: jsonSerde(WatchEventSchema),
        timestamp: (e) => e.eventTime,
        outOfOrdernessMs: o.outOfOrderness,
        idleTimeoutMs: o.idleTimeout,
        deadLetterTopic: o.dlqTopic,
      })
      .keyBy('by-region', (e) => `${e.region}:${e.device}`, { partitions: o.partitions })
      .window(tumbling(o.window), { allowedLatenessMs: o.allowedLateness })
      .aggregate('watch-time-per-window', regionStats);
    perRegion.late().sink('late-events', { topic: o.lateTopic, encode: (e) => ({ key: e.contentId, value: encodeWatchEvent(e) }) });
    perRegion.sink('watch-time-by-region', { topic: o.outputTopic, encode: encodeWatchTime });
  },
});
