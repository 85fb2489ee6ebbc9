/**
 * Kafka source: a consumer-group member (kafkajs) that hands records over per partition, in batches,
 * decoded by a serde. Records that are too big or do not decode go to the dead-letter writer and are
 * counted; the partition keeps flowing. Partitions can be paused and resumed one by one
 * (backpressure) and can start from given offsets (a checkpoint's) instead of the group's committed ones.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Consumer, EachBatchPayload, IHeaders, KafkaMessage } from 'kafkajs';
import type * as z from 'zod';
import { createKafka, type KafkaClientOptions } from './config.js';
import { heldRoundRobin } from './held-assigner.js';
import { gateJoins } from './join-gate.js';
import { paceFetches } from './kafkajs.js';
import type { DeadLetterWriter } from './dead-letter.js';
import { REJOIN, keepAlive } from './batch-heartbeat.js';
import {
  PartitionCounters,
  SourceOptionsSchema,
  decodeRecords,
  type BatchHandler,
  type PartitionStats,
  type RawRecord,
  type RecordSource,
  type SerdeFor,
  type SourceHooks,
  type SourceOptions,
  type TopicPartition,
} from './record-source.js';

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
  #ungate = (): void => undefined;
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
      partitionAssigners: [heldRoundRobin],
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
    const { fetchWaitMs } = this.hooks;
    if (fetchWaitMs) this.#unpace = paceFetches(this.#opts.groupId, () => fetchWaitMs(this.#opts.maxWaitTimeMs));
    const { beforeJoin } = this.hooks;
    if (beforeJoin) {
      const cap = this.#opts.sessionTimeoutMs / 2;
      this.#ungate = gateJoins(this.#opts.groupId, (memberId) => Promise.race([beforeJoin(memberId), sleep(cap, [], { ref: false })]));
    }
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
    this.#ungate();
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
