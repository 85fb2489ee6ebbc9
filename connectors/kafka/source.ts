/**
 * Kafka source: a consumer-group member (kafkajs) that hands records over per partition, in batches,
 * decoded by a serde. Records that are too big or do not decode go to the dead-letter writer and are
 * counted; the partition keeps flowing. Partitions can be paused and resumed one by one
 * (backpressure) and can start from given offsets (a checkpoint's) instead of the group's committed ones.
 */
import type { Consumer, EachBatchPayload, IHeaders, KafkaMessage } from 'kafkajs';
import * as z from 'zod';
import { createKafka, type KafkaClientOptions } from './config.js';
import { paceFetches } from './kafkajs.js';
import type { DeadLetterWriter, RejectedRecord } from './dead-letter.js';
import type { Serde } from '../../engine/api/serde.js';
import { byteLength } from './record-bytes.js';
import { REJOIN, keepAlive } from './batch-heartbeat.js';

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
   * Asked before each fetch: how long the broker may hold it, in place of `maxWaitTimeMs`
   * (runtime/input-pacing.ts). The Confluent source keeps `maxWaitTimeMs`: librdkafka fetches on its
   * own threads.
   */
  fetchWaitMs?: () => number;
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
 * What a Kafka input offers whichever client it runs on: {@link KafkaSource} (kafkajs) or
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

/**
 * @example
 * const source = new KafkaSource(kafkaClientOptions(), { groupId: 'g', topics: ['watch-events'] },
 *   jsonSerde(WatchEventSchema), new KafkaDeadLetterQueue(sink, 'watch-events-dlq'));
 * await source.start(async (batch) => { for (const r of batch.records) use(r.value); });
 */
export class KafkaSource<T> implements RecordSource<T> {
  readonly #opts: z.output<typeof SourceOptionsSchema>;
  readonly #consumer: Consumer;
  readonly #stats = new PartitionCounters();
  #owned: TopicPartition[] = [];
  #unpace = (): void => undefined;
  /** The rebalance a batch met since the last join. */
  #rejoin: Error | undefined;

  constructor(
    client: KafkaClientOptions,
    options: SourceOptions,
    private readonly serde: SerdeFor<T>,
    private readonly deadLetters: DeadLetterWriter,
    private readonly hooks: SourceHooks = {},
  ) {
    this.#opts = SourceOptionsSchema.parse(options);
    this.#consumer = createKafka(client).consumer({
      groupId: this.#opts.groupId,
      readUncommitted: this.#opts.isolation === 'read_uncommitted',
      maxBytesPerPartition: this.#opts.maxBytesPerPartition,
      maxWaitTimeInMs: this.#opts.maxWaitTimeMs,
      minBytes: this.#opts.minBytes,
      sessionTimeout: this.#opts.sessionTimeoutMs,
      rebalanceTimeout: this.#opts.rebalanceTimeoutMs,
      heartbeatInterval: this.#opts.heartbeatIntervalMs,
      ...(this.#opts.restartOnCrash ? {} : { retry: { restartOnFailure: async () => false } }),
    });
    this.#consumer.on(this.#consumer.events.GROUP_JOIN, (e) => {
      this.#onJoin(e.payload.memberAssignment);
    });
    if (hooks.onCrash) {
      const onCrash = hooks.onCrash;
      this.#consumer.on(this.#consumer.events.CRASH, (e) => {
        const { error, restart } = e.payload as { error: Error; restart: boolean };
        if (!restart) onCrash(error);
      });
    }
    if (hooks.onProgress) {
      const onProgress = hooks.onProgress;
      this.#consumer.on(this.#consumer.events.END_BATCH_PROCESS, (e) => {
        const p = e.payload as { topic: string; partition: number; lastOffset: string; batchSize: number };
        // Only batches that held nothing but transaction markers or aborted records: kafkajs also
        // signals the end of batches the handler skipped (stale after a seek, or while stopping),
        // and moving past those would skip records that were never processed.
        if (p.batchSize === 0) onProgress({ topic: p.topic, partition: p.partition }, BigInt(p.lastOffset) + 1n);
      });
    }
  }

  /** The partitions this member owns now. */
  get owned(): readonly TopicPartition[] {
    return this.#owned;
  }

  /** Counters per partition this member has read from. */
  stats(): PartitionStats[] {
    return this.#stats.list();
  }

  /** Joins the group and starts handing batches to `handler`; resolves once running. */
  async start(handler: BatchHandler<T>): Promise<void> {
    if (this.hooks.fetchWaitMs) this.#unpace = paceFetches(this.#opts.groupId, this.hooks.fetchWaitMs);
    await this.#consumer.connect();
    await this.#consumer.subscribe({ topics: this.#opts.topics, fromBeginning: this.#opts.startFrom === 'earliest' });
    await this.#consumer.run({
      autoCommit: this.#opts.autoCommit,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.#opts.partitionsConsumedConcurrently,
      eachBatch: (payload) => this.#handle(payload, handler),
    });
  }

  /** Stops fetching the given partitions; batches already handed over still complete. */
  pause(partitions: readonly TopicPartition[]): void {
    this.#consumer.pause(groupByTopic(partitions));
    for (const tp of partitions) this.#stats.of(tp).paused = true;
  }

  resume(partitions: readonly TopicPartition[]): void {
    this.#consumer.resume(groupByTopic(partitions));
    for (const tp of partitions) this.#stats.of(tp).paused = false;
  }

  /** Moves a partition's read position; records fetched before the seek are not handed over. */
  seek(tp: TopicPartition, offset: bigint): void {
    this.#consumer.seek({ topic: tp.topic, partition: tp.partition, offset: offset.toString() });
  }

  /** Leaves the group and closes connections. */
  async stop(): Promise<void> {
    await this.#consumer.disconnect();
    this.#unpace();
  }

  #onJoin(assignment: Record<string, number[]>): void {
    this.#rejoin = undefined;
    this.#owned = Object.entries(assignment)
      .flatMap(([topic, partitions]) => partitions.map((partition) => ({ topic, partition })))
      .sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
    // Seeks registered here, synchronously in the join event, apply before the first fetch.
    for (const tp of this.#owned) {
      const offset = this.hooks.startOffset?.(tp);
      if (offset !== undefined) this.seek(tp, offset);
    }
    this.hooks.onAssignment?.(this.#owned);
  }

  async #handle(payload: EachBatchPayload, handler: BatchHandler<T>): Promise<void> {
    const { batch } = payload;
    if (batch.isEmpty() || payload.isStale() || !payload.isRunning()) return;
    // kafkajs rejoins only once every batch of the fetch is handled: after one met the rebalance,
    // the rest go back unread (the group is waiting for this member; the partitions may move).
    if (this.#rejoin) throw this.#rejoin;
    const { records, rejected } = decodeRecords(batch, batch.messages.map(toRaw), this.serde, this.#opts.maxRecordBytes);
    const lastOffset = batch.lastOffset();
    const nextOffset = BigInt(lastOffset) + 1n;
    // Dead letters are written before the batch is handed over and before its offsets move, so a
    // crash can repeat them (at-least-once) but never lose them.
    const alive = keepAlive(payload, this.#opts.heartbeatIntervalMs, this.#opts.rebalanceTimeoutMs);
    try {
      await this.deadLetters.write(rejected);
      await handler({
        topic: batch.topic,
        partition: batch.partition,
        records,
        rejected: rejected.length,
        nextOffset,
        highWatermark: BigInt(batch.highWatermark),
      });
    } finally {
      alive.stop();
    }
    payload.resolveOffset(lastOffset);
    this.#stats.handed(batch, records.length, rejected.length, nextOffset);
    if (this.#opts.autoCommit) await payload.commitOffsetsIfNecessary();
    try {
      if (alive.ended) throw alive.ended;
      await payload.heartbeat();
    } catch (e) {
      // Rethrown: kafkajs rejoins the group when its handler fails with this.
      const type = (e as { type?: string }).type;
      if (type !== undefined && REJOIN.has(type) && !this.#rejoin) {
        this.#rejoin = e as Error;
        if (type === 'REBALANCE_IN_PROGRESS') await this.hooks.onRebalance?.();
      }
      throw e;
    }
  }
}

function toRaw(m: KafkaMessage): RawRecord {
  return { key: m.key ?? null, value: m.value, offset: m.offset, timestamp: Number(m.timestamp), headers: headerList(m.headers) };
}

const NO_HEADERS: RawRecord['headers'] = [];

function headerList(headers: IHeaders | undefined): RawRecord['headers'] {
  if (!headers) return NO_HEADERS;
  let out: [string, string | Buffer][] | undefined;
  for (const name in headers) {
    out ??= [];
    const v = headers[name];
    // kafkajs gives repeated headers as arrays.
    if (Array.isArray(v)) for (const one of v) out.push([name, one]);
    else if (v !== undefined) out.push([name, v]);
  }
  return out ?? NO_HEADERS;
}

function groupByTopic(partitions: readonly TopicPartition[]): { topic: string; partitions: number[] }[] {
  const byTopic = new Map<string, number[]>();
  for (const { topic, partition } of partitions) {
    let list = byTopic.get(topic);
    if (!list) byTopic.set(topic, (list = []));
    list.push(partition);
  }
  return [...byTopic].map(([topic, parts]) => ({ topic, partitions: parts }));
}
