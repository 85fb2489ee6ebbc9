/**
 * The watch-events source every job reads, defined once: its options (the input, dead-letter and late
 * topics, the event-time settings), how the topic defaults follow from the input topic, and the
 * source itself. A job adds its own options (its output topic first) and its graph.
 */
import * as z from 'zod';
import { durationMs, jsonSerde, type DataStream, type JobBuilder } from '../../engine/index.js';
import { WatchEventSchema, type WatchEvent } from './watch-event.js';
import { decodePlainWatchEvent } from './watch-event-decoder.js';

/**
 * A Kafka topic name, as an option.
 *
 * @example
 * const options = z.strictObject({ outputTopic: kafkaTopic.default('trending') });
 */
export const kafkaTopic = z.string().regex(/^[a-zA-Z0-9._-]{1,249}$/, 'expected a Kafka topic name');

/**
 * The options of the watch-events source, as a zod shape for a job's options object. A job takes them
 * field by field, not spread, to keep the documented flag order (input, output, dead-letter and late
 * topics, its own options, event time) that `--help` and the first validation error follow. The
 * dead-letter and late topics stay undefined until `withTopicDefaults` fills them in.
 *
 * @example
 * const { inputTopic, dlqTopic, lateTopic, outOfOrderness, allowedLateness, idleTimeout } = watchEventOptions;
 * const options = z
 *   .strictObject({ inputTopic, outputTopic: kafkaTopic.default('counts'), dlqTopic, lateTopic, outOfOrderness, allowedLateness, idleTimeout })
 *   .transform(withTopicDefaults);
 */
export const watchEventOptions = {
  inputTopic: kafkaTopic.default('watch-events'),
  /** Default: `<input-topic>-dlq`. */
  dlqTopic: kafkaTopic.optional(),
  /** Default: `<input-topic>-late`. */
  lateTopic: kafkaTopic.optional(),
  outOfOrderness: durationMs.prefault('30s'),
  allowedLateness: durationMs.prefault('0ms'),
  /** A partition without records this long stops holding the watermark back. */
  idleTimeout: durationMs.prefault('1m'),
};

/**
 * Parsed options with the dead-letter and late topics named after the input topic where not given.
 *
 * @example
 * withTopicDefaults({ inputTopic: 'in', lateTopic: 'late' }) // { inputTopic: 'in', lateTopic: 'late', dlqTopic: 'in-dlq' }
 */
export function withTopicDefaults<T extends { inputTopic: string; dlqTopic?: string | undefined; lateTopic?: string | undefined }>(o: T): T & { dlqTopic: string; lateTopic: string } {
  return { ...o, dlqTopic: o.dlqTopic ?? `${o.inputTopic}-dlq`, lateTopic: o.lateTopic ?? `${o.inputTopic}-late` };
}

/**
 * What `watchEventSource` reads of a job's parsed options.
 *
 * @example
 * const o: WatchEventSourceConfig = { inputTopic: 'watch-events', dlqTopic: 'watch-events-dlq', outOfOrderness: 30_000, idleTimeout: 60_000 };
 */
export type WatchEventSourceConfig = Pick<z.output<z.ZodObject<typeof watchEventOptions>>, 'inputTopic' | 'outOfOrderness' | 'idleTimeout'> & { dlqTopic: string };

/**
 * The `watch-events` source on the job's options: JSON watch events with their event time; records
 * it cannot read go to the dead-letter topic.
 *
 * @example
 * watchEventSource(b, o).keyBy('by-user', (e) => e.userId).window(session(o.gap)).aggregate('sessions', stats);
 */
export function watchEventSource(b: JobBuilder, o: WatchEventSourceConfig): DataStream<WatchEvent> {
  return b.source('watch-events', {
    topic: o.inputTopic,
    serde: jsonSerde(WatchEventSchema, { fastDecode: decodePlainWatchEvent }),
    timestamp: (e) => e.eventTime,
    outOfOrdernessMs: o.outOfOrderness,
    idleTimeoutMs: o.idleTimeout,
    deadLetterTopic: o.dlqTopic,
  });
}
