/**
 * The benchmark's input and its expected output. Every engine reads the same topic: seeded watch
 * events keyed and partitioned by content id (Kafka's default murmur2 partitioner, so engines that
 * rely on key partitioning, such as Kafka Streams, see each key in one partition), followed by
 * "flush" events that move every partition's event time past every real window. The expected
 * rankings (window-rankings.ts, checked against the project's naive reference) are for windows that
 * hold real events.
 */
import { WatchEventGenerator, type GeneratedRecord } from '../../connectors/generator/watch-event-generator.js';
import { KafkaAdmin } from '../../connectors/kafka/admin.js';
import { kafkajs } from '../../connectors/kafka/kafkajs.js';
import type { KafkaClientOptions } from '../../connectors/kafka/config.js';
import { KafkaSink, type OutRecord } from '../../connectors/kafka/sink.js';
import { windowRankings, type RankedEvent } from './window-rankings.js';

export interface WorkloadSpec {
  events: number;
  items: number;
  zipf: number;
  partitions: number;
  seed: number;
  windowMs: number;
  slideMs: number;
  top: number;
  outOfOrdernessMs: number;
}

/** What a correct engine writes: ranking JSON per `windowStart|category`, for windows with real events. */
export interface Expected {
  maxEventTime: number;
  rankings: Map<string, string>;
}

export const CATEGORIES = ['movies', 'series', 'sports', 'news', 'kids'];
export const FLUSH_CATEGORY = '~flush';
const FLUSH_PER_PARTITION = 64;

/** The seeded events (20k per minute of event time, from a fixed start). */
export function benchRecords(spec: WorkloadSpec): GeneratedRecord[] {
  const gen = new WatchEventGenerator({
    seed: spec.seed, items: spec.items, zipf: spec.zipf, categories: CATEGORIES, startTime: 1_767_225_600_000,
    eventsPerSecond: 20_000 / 60, outOfOrderMs: 5_000, lateFraction: 0, badFraction: 0,
  });
  return gen.nextBatch(spec.events);
}

/** Kafka's default partitioner (murmur2 of the key), as the Java clients and kafkajs use it. */
export function partitionerFor(partitions: number): (key: string) => number {
  const partitioner = kafkajs.Partitioners.DefaultPartitioner();
  const partitionMetadata = Array.from({ length: partitions }, (_, p) => ({ partitionId: p, leader: 0, partitionErrorCode: 0, replicas: [0], isr: [0] }));
  return (key) => partitioner({ topic: 'bench', partitionMetadata, message: { key, value: null } });
}

/** Flush events: every partition's event time jumps past the last window with real events. */
export function flushRecords(spec: WorkloadSpec, maxEventTime: number): OutRecord[] {
  const at = maxEventTime + spec.windowMs + spec.outOfOrdernessMs + 2 * spec.slideMs;
  const out: OutRecord[] = [];
  for (let p = 0; p < spec.partitions; p += 1) {
    for (let i = 0; i < FLUSH_PER_PARTITION; i += 1) {
      const contentId = `~flush-${p}-${i}`;
      const value = { eventId: `flush-${p}-${i}`, contentId, category: FLUSH_CATEGORY, userId: 'flush', region: 'flush', device: 'flush', watchSeconds: 0, eventTime: at };
      out.push({ key: contentId, value: JSON.stringify(value), partition: p });
    }
  }
  return out;
}

/** Creates the topic and produces the events, then the flush events. */
export async function produceWorkload(kafka: KafkaClientOptions, topic: string, spec: WorkloadSpec, records: readonly GeneratedRecord[]): Promise<void> {
  const partitionOf = partitionerFor(spec.partitions);
  const keyed = records.map((r) => ({ key: r.key, value: r.value, partition: partitionOf(String(r.key)) }));
  await produceRecords(kafka, topic, spec, [...keyed, ...flushRecords(spec, maxEventTime(records))]);
}

/** Creates the topic (`spec.partitions` partitions) and produces the records in order. */
export async function produceRecords(kafka: KafkaClientOptions, topic: string, spec: WorkloadSpec, records: readonly OutRecord[]): Promise<void> {
  const admin = new KafkaAdmin(kafka);
  await admin.connect();
  await admin.ensureTopics([{ name: topic, partitions: spec.partitions }]).finally(() => admin.disconnect());
  const sink = new KafkaSink(kafka);
  await sink.connect();
  try {
    for (let i = 0; i < records.length; i += 20_000) await sink.send(topic, records.slice(i, i + 20_000));
  } finally {
    await sink.disconnect();
  }
}

function maxEventTime(records: readonly GeneratedRecord[]): number {
  let max = 0;
  for (const r of records) max = Math.max(max, (JSON.parse(r.value.toString()) as { eventTime: number }).eventTime);
  return max;
}

/** The expected rankings for the real events (window-rankings.ts), as each engine must write them. */
export function expectedOutput(spec: WorkloadSpec, records: readonly GeneratedRecord[]): Expected {
  // The generator's records are valid by construction (bad ones are off in every workload): no schema check.
  const events = records.map((r) => JSON.parse(r.value.toString()) as RankedEvent);
  const rankings = new Map<string, string>();
  for (const r of windowRankings(events, spec)) {
    rankings.set(`${r.windowStart}|${r.group}`, JSON.stringify(r.entries.map((e, i) => ({ rank: i + 1, contentId: e.contentId, views: e.views, watchSeconds: e.watchSeconds }))));
  }
  return { maxEventTime: maxEventTime(records), rankings };
}
