/**
 * What a Kafka input is, whichever client reads it: the records and batches it hands over, its
 * options (parsed once), the hooks its owner gives it, how raw records are checked and decoded, and
 * the per-partition counters. {@link RecordSource} is the contract; kafka-source.ts (kafkajs) and
 * confluent-source.ts (librdkafka) implement it.
 */
import * as z from 'zod';
import type { Serde } from '../../engine/api/serde.js';
import type { RejectedRecord } from './dead-letter.js';
import { byteLength } from './record-bytes.js';

/** One serde for every topic read, or one per topic (a consumer reading several sources). */
export type SerdeFor<T> = Serde<T> | ((topic: string) => Serde<T>);

/** A partition of a topic. */
export interface TopicPartition {
  topic: string;
  partition: number;
}

/** A decoded record. `offset` is the Kafka offset as a decimal string (offsets exceed 2^53 in theory). */
export interface SourceRecord<T> {
  key: Buffer | null;
  value: T;
  /** The value's bytes as read: what goes to the dead-letter queue if the job rejects the record later. */
  raw: Buffer | null;
  offset: string;
  timestamp: number;
  headers: Record<string, string | Buffer>;
}

/** A record as either client reads it, before the size check and the serde. */
export interface RawRecord {
  key: Buffer | null;
  value: Buffer | null;
  offset: string;
  /** The Kafka timestamp, epoch ms. */
  timestamp: number;
  /** Every header in the order read, a repeated name as often as it came. */
  headers: readonly (readonly [name: string, value: string | Buffer])[];
}

/** What the source hands over: the decoded records of one fetch of one partition. */
export interface PartitionBatch<T> extends TopicPartition {
  records: SourceRecord<T>[];
  /** Records of this batch sent to the dead-letter writer. */
  rejected: number;
  /** The offset after the last record of the batch: where reading continues. */
  nextOffset: bigint;
  /** The partition's high watermark when fetched (end offset for read_committed: last stable offset). */
  highWatermark: bigint;
}

/** Per-partition counters. */
export interface PartitionStats extends TopicPartition {
  records: number;
  rejected: number;
  nextOffset: bigint | undefined;
  paused: boolean;
}

export const SourceOptionsSchema = z.strictObject({
  groupId: z.string().min(1),
  topics: z.array(z.string().min(1)).min(1),
  /** Where a partition without a committed (or given) offset starts. */
  startFrom: z.enum(['earliest', 'latest']).default('earliest'),
  /** Commit offsets to the group after each batch (at-least-once). Off when a transaction commits them. */
  autoCommit: z.boolean().default(true),
  isolation: z.enum(['read_committed', 'read_uncommitted']).default('read_committed'),
  maxBytesPerPartition: z.number().int().positive().default(1_048_576),
  /**
   * A record whose key, value and headers (names and values) take more bytes than this is rejected
   * (`size`) without decoding. A compressed batch lets a record far bigger than the topic's
   * `max.message.bytes` in; this keeps it from reaching the job and sizes what dead letters hold.
   */
  maxRecordBytes: z.number().int().positive().default(1_048_576),
  maxWaitTimeMs: z.number().int().nonnegative().default(500),
  /** The broker holds a fetch until this much is there (or `maxWaitTimeMs` passed). */
  minBytes: z.number().int().positive().default(1),
  sessionTimeoutMs: z.number().int().positive().default(30_000),
  rebalanceTimeoutMs: z.number().int().positive().default(60_000),
  heartbeatIntervalMs: z.number().int().positive().default(3_000),
  partitionsConsumedConcurrently: z.number().int().positive().default(1),
  /**
   * After a retriable crash kafkajs restarts the consumer by itself (default). Off: the crash goes
   * to `onCrash` and the owner restarts. A runner member turns it off: kafkajs' own restart can
   * outlive `stop()`, leaving a consumer in the group that owns partitions and reads nothing.
   */
  restartOnCrash: z.boolean().default(true),
});
export type SourceOptions = z.input<typeof SourceOptionsSchema>;

/**
 * Splits records read from one partition into those handed over and those rejected: a record over
 * `maxRecordBytes` is rejected with reason `size` without reaching the serde; the others are
 * decoded, and those the serde refuses are rejected with its reason. Both sources read through this.
 *
 * @example
 * const { records, rejected } = decodeRecords({ topic: 'in', partition: 0 }, raws, jsonSerde(Schema), 1_048_576);
 */
export function decodeRecords<T>(
  tp: TopicPartition,
  raws: readonly RawRecord[],
  serdes: SerdeFor<T>,
  maxRecordBytes: number,
): { records: SourceRecord<T>[]; rejected: RejectedRecord[] } {
  const records: SourceRecord<T>[] = [];
  const rejected: RejectedRecord[] = [];
  const serde = typeof serdes === 'function' ? serdes(tp.topic) : serdes;
  for (const m of raws) {
    let size = byteLength(m.key) + byteLength(m.value);
    // A repeated header counts each time (it came over the wire each time); the last one wins, as in
    // most clients' lookups.
    let headers = NO_HEADER_VALUES;
    if (m.headers.length > 0) {
      headers = {};
      for (const [name, value] of m.headers) {
        size += Buffer.byteLength(name) + byteLength(value);
        headers[name] = value;
      }
    }
    const decoded =
      size > maxRecordBytes
        ? ({ ok: false, reason: 'size', detail: `record is ${size} bytes, over the limit of ${maxRecordBytes} (maxRecordBytes)` } as const)
        : serde.decode(m.value);
    if (decoded.ok) records.push({ key: m.key, value: decoded.value, raw: m.value, offset: m.offset, timestamp: m.timestamp, headers });
    else {
      const { topic, partition } = tp;
      rejected.push({ topic, partition, offset: m.offset, timestamp: String(m.timestamp), key: m.key, value: m.value, headers, reason: decoded.reason, detail: decoded.detail });
    }
  }
  return { records, rejected };
}

/** The headers of every record without any: one frozen object instead of one per record. */
const NO_HEADER_VALUES: Record<string, string | Buffer> = Object.freeze({});

/** Called with each batch; the batch's offsets are resolved (and committed) only after it resolves. */
export type BatchHandler<T> = (batch: PartitionBatch<T>) => Promise<void>;

export interface SourceHooks {
  /** The partitions this member owns after each group join (kafkajs rebalances eagerly). */
  onAssignment?: (owned: TopicPartition[]) => void;
  /** Offset to start a newly assigned partition from; `undefined` keeps the group's committed offset. */
  startOffset?: (tp: TopicPartition) => bigint | undefined;
  /**
   * Batches of only transaction markers or aborted records, which are never handed over, still move
   * the read position: this says where to (the offset after them). Batches handed over carry their
   * own `nextOffset`.
   */
  onProgress?: (tp: TopicPartition, nextOffset: bigint) => void;
  /** The consumer stopped for good on an error kafkajs does not retry. */
  onCrash?: (error: Error) => void;
  /**
   * The group is rebalancing and this member still owns its partitions: it rejoins (giving them all
   * up, kafkajs rebalances eagerly) once this resolves. The place to commit what was processed, as
   * Kafka's `onPartitionsRevoked`, so that a partition moving to another member continues there
   * rather than at the last checkpoint. Best effort: called when the heartbeat after a batch finds
   * the rebalance; when kafkajs finds it first (between fetches), the member rejoins without it.
   */
  onRebalance?: () => Promise<void>;
  /**
   * Asked before each fetch, given `maxWaitTimeMs`: how long the broker may hold it
   * (runtime/input-pacing.ts). The Confluent source keeps `maxWaitTimeMs`: librdkafka fetches on its
   * own threads.
   */
  fetchWaitMs?: (configuredMs: number) => number;
  /**
   * Asked when this member has its member id and is about to join the group for the first time:
   * it joins once this resolves with the ids of the members joining with it, or after half the
   * session timeout (the broker forgets a member id not used within it). How the members of one
   * process join in one rebalance (join-gate.ts). The Confluent source joins as librdkafka does.
   */
  beforeJoin?: (memberId: string) => Promise<readonly string[]>;
}

/** The per-partition counters behind {@link RecordSource.stats}, as both sources keep them. */
export class PartitionCounters {
  readonly #byId = new Map<string, PartitionStats>();

  /** The partition's counters, created at zero; takes only topic and partition from `tp`. */
  of(tp: TopicPartition): PartitionStats {
    const id = `${tp.topic}:${tp.partition}`;
    let s = this.#byId.get(id);
    if (!s) this.#byId.set(id, (s = { topic: tp.topic, partition: tp.partition, records: 0, rejected: 0, nextOffset: undefined, paused: false }));
    return s;
  }

  /** Counts a batch handed over. */
  handed(tp: TopicPartition, records: number, rejected: number, nextOffset: bigint): void {
    const s = this.of(tp);
    s.records += records;
    s.rejected += rejected;
    s.nextOffset = nextOffset;
  }

  /** Copies of every partition's counters. */
  list(): PartitionStats[] {
    return [...this.#byId.values()].map((s) => ({ ...s }));
  }
}

/**
 * What a Kafka input offers whichever client it runs on: `KafkaSource` (kafkajs) or
 * `ConfluentSource` (librdkafka, for comparison). Both take the same options, serde, dead-letter
 * writer and hooks, and pass the same integration tests.
 */
export interface RecordSource<T> {
  /** Joins the group and starts handing batches to `handler`; resolves once running. */
  start(handler: BatchHandler<T>): Promise<void>;
  /** Stops fetching the given partitions; batches already handed over still complete. */
  pause(partitions: readonly TopicPartition[]): void;
  resume(partitions: readonly TopicPartition[]): void;
  /** Moves a partition's read position; records fetched before the seek are not handed over. */
  seek(tp: TopicPartition, offset: bigint): void;
  /** Leaves the group and closes connections. */
  stop(): Promise<void>;
  /** The partitions this member owns now. */
  readonly owned: readonly TopicPartition[];
  /** Counters per partition this member has read from. */
  stats(): PartitionStats[];
}
