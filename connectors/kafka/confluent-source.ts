/**
 * Kafka source on librdkafka (`@confluentinc/kafka-javascript`, its node-rdkafka-style API, the
 * faster of its two): the same {@link RecordSource} as the kafkajs {@link KafkaSource}, so that Eddy
 * can run end to end on either client and the two can be measured against each other.
 *
 * Differences that follow from the client:
 * - The group is left with a real `onPartitionsRevoked`: librdkafka waits for `unassign()`, so
 *   `onRebalance` is called at every revocation, not only when a heartbeat after a batch finds it.
 * - `onProgress` comes from librdkafka's end-of-partition event (the position after any transaction
 *   markers), not from kafkajs' empty batches.
 * - `highWatermark` is librdkafka's cached high watermark, not the last stable offset.
 * - Batches are one `consume()` call's records of one partition, handed over one at a time.
 * - A handler that throws stops the source (`onCrash`); kafkajs would retry the batch.
 * See confluent-client.ts for how the client is installed and why one thread per process loads it.
 */
import type * as z from 'zod';
import type { KafkaClientOptions } from './config.js';
import { loadConfluentClient } from './confluent-client.js';
import type { DeadLetterWriter } from './dead-letter.js';
import {
  decodeRecords,
  PartitionCounters,
  SourceOptionsSchema,
  type BatchHandler,
  type PartitionStats,
  type RawRecord,
  type RecordSource,
  type SerdeFor,
  type SourceHooks,
  type SourceOptions,
  type TopicPartition,
} from './record-source.js';

type RdCallback<T> = (err: RdError | null | undefined, value: T) => void;
interface RdError extends Error {
  code: number;
  isFatal?: boolean;
}
interface RdMessage {
  value: Buffer | null;
  key?: Buffer | string | null;
  topic: string;
  partition: number;
  offset: number;
  timestamp?: number;
  headers?: Record<string, string | Buffer>[];
}
interface RdTopicPartition {
  topic: string;
  partition: number;
  offset?: number;
}
/** The slice of the client's `KafkaConsumer` used here. */
interface RdConsumer {
  connect(options: object, cb: RdCallback<unknown>): void;
  subscribe(topics: string[]): void;
  consume(n: number, cb: RdCallback<RdMessage[]>): void;
  assign(partitions: RdTopicPartition[]): void;
  unassign(): void;
  pause(partitions: RdTopicPartition[]): void;
  resume(partitions: RdTopicPartition[]): void;
  seek(tp: RdTopicPartition, timeoutMs: number, cb: (err: RdError | null | undefined) => void): void;
  offsetsStore(partitions: RdTopicPartition[]): void;
  getWatermarkOffsets(topic: string, partition: number): { highOffset: number };
  setDefaultConsumeTimeout(ms: number): void;
  setDefaultIsTimeoutOnlyForFirstMessage(only: boolean): void;
  on(event: 'partition.eof', listener: (e: RdTopicPartition & { offset: number }) => void): void;
  disconnect(cb: RdCallback<unknown>): void;
}
/** The slice of `@confluentinc/kafka-javascript` used here. */
export interface RdKafkaModule {
  KafkaConsumer: new (global: Record<string, unknown>, topic: Record<string, unknown>) => RdConsumer;
}

const ERR_ASSIGN_PARTITIONS = -175;
const ERR_REVOKE_PARTITIONS = -174;
/** Records per `consume()` call at most; it returns what is there once the first record is. */
const CONSUME_MAX = 10_000;

const call = <T>(f: (cb: RdCallback<T>) => void): Promise<T> => new Promise((resolve, reject) => f((e, v) => (e ? reject(e) : resolve(v))));

/** librdkafka's settings for Eddy's client options (brokers, id, timeouts, TLS, SASL). */
export function librdkafkaConfig(client: KafkaClientOptions): Record<string, unknown> {
  const conf: Record<string, unknown> = {
    'metadata.broker.list': client.brokers.join(','),
    'client.id': client.clientId,
    'socket.connection.setup.timeout.ms': client.connectionTimeoutMs,
    'socket.timeout.ms': client.requestTimeoutMs,
    'retry.backoff.ms': client.retry.initialRetryTimeMs,
    'retry.backoff.max.ms': client.retry.maxRetryTimeMs,
  };
  const tls = client.ssl !== false;
  conf['security.protocol'] = client.sasl ? (tls ? 'sasl_ssl' : 'sasl_plaintext') : tls ? 'ssl' : 'plaintext';
  if (typeof client.ssl === 'object') {
    if (client.ssl.ca) conf['ssl.ca.pem'] = client.ssl.ca;
    if (client.ssl.cert) conf['ssl.certificate.pem'] = client.ssl.cert;
    if (client.ssl.key) conf['ssl.key.pem'] = client.ssl.key;
    conf['enable.ssl.certificate.verification'] = client.ssl.rejectUnauthorized;
  }
  if (client.sasl) {
    conf['sasl.mechanisms'] = client.sasl.mechanism.toUpperCase();
    conf['sasl.username'] = client.sasl.username;
    conf['sasl.password'] = client.sasl.password;
  }
  return conf;
}

/**
 * @example
 * const source = new ConfluentSource(kafkaClientOptions(), { groupId: 'g', topics: ['watch-events'] },
 *   jsonSerde(WatchEventSchema), new KafkaDeadLetterQueue(sink, 'watch-events-dlq'));
 * await source.start(async (batch) => { for (const r of batch.records) use(r.value); });
 */
export class ConfluentSource<T> implements RecordSource<T> {
  readonly #opts: z.output<typeof SourceOptionsSchema>;
  readonly #consumer: RdConsumer;
  readonly #stats = new PartitionCounters();
  #owned: TopicPartition[] = [];
  /** Between a revocation and the next assignment nothing is handed over. */
  #revoked = false;
  /** Partitions sought since the last consume() returned: the rest of its records for them are stale. */
  readonly #sought = new Set<string>();
  #stopping = false;
  #loop: Promise<void> | undefined;
  #eofs: (TopicPartition & { offset: number })[] = [];

  constructor(
    client: KafkaClientOptions,
    options: SourceOptions,
    private readonly serde: SerdeFor<T>,
    private readonly deadLetters: DeadLetterWriter,
    private readonly hooks: SourceHooks = {},
    rdkafka: RdKafkaModule = loadConfluentClient<RdKafkaModule>(),
  ) {
    this.#opts = SourceOptionsSchema.parse(options);
    this.#consumer = new rdkafka.KafkaConsumer(
      {
        ...librdkafkaConfig(client),
        'group.id': this.#opts.groupId,
        // Offsets are stored only after their batch is handled; committed by the client's timer if asked.
        'enable.auto.commit': this.#opts.autoCommit,
        'enable.auto.offset.store': false,
        'isolation.level': this.#opts.isolation,
        'max.partition.fetch.bytes': this.#opts.maxBytesPerPartition,
        'fetch.wait.max.ms': this.#opts.maxWaitTimeMs,
        'fetch.min.bytes': this.#opts.minBytes,
        'session.timeout.ms': this.#opts.sessionTimeoutMs,
        'heartbeat.interval.ms': this.#opts.heartbeatIntervalMs,
        // librdkafka's rebalance timeout is its max.poll.interval.ms.
        'max.poll.interval.ms': this.#opts.rebalanceTimeoutMs,
        'enable.partition.eof': true,
        rebalance_cb: (err: RdError, assignment: RdTopicPartition[]) => this.#onRebalance(err, assignment),
      },
      { 'auto.offset.reset': this.#opts.startFrom },
    );
    this.#consumer.on('partition.eof', (e) => this.#eofs.push(e));
  }

  get owned(): readonly TopicPartition[] {
    return this.#owned;
  }

  stats(): PartitionStats[] {
    return this.#stats.list();
  }

  async start(handler: BatchHandler<T>): Promise<void> {
    await call((cb) => this.#consumer.connect({}, cb));
    this.#consumer.setDefaultConsumeTimeout(this.#opts.maxWaitTimeMs);
    // Hand over what has arrived once there is something, as kafkajs hands over a fetch.
    this.#consumer.setDefaultIsTimeoutOnlyForFirstMessage(true);
    this.#consumer.subscribe(this.#opts.topics);
    this.#loop = this.#run(handler);
  }

  pause(partitions: readonly TopicPartition[]): void {
    this.#consumer.pause(partitions.map(({ topic, partition }) => ({ topic, partition })));
    for (const tp of partitions) this.#stats.of(tp).paused = true;
  }

  resume(partitions: readonly TopicPartition[]): void {
    this.#consumer.resume(partitions.map(({ topic, partition }) => ({ topic, partition })));
    for (const tp of partitions) this.#stats.of(tp).paused = false;
  }

  seek(tp: TopicPartition, offset: bigint): void {
    // Records consumed before the seek are dropped here; librdkafka drops those it still holds.
    this.#sought.add(`${tp.topic}:${tp.partition}`);
    this.#consumer.seek({ topic: tp.topic, partition: tp.partition, offset: Number(offset) }, 0, (e) => {
      if (e) this.hooks.onCrash?.(e);
    });
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    await this.#loop;
    await call((cb) => this.#consumer.disconnect(cb));
  }

  #onRebalance(err: RdError, assignment: RdTopicPartition[]): void {
    if (err.code === ERR_ASSIGN_PARTITIONS) {
      this.#revoked = false;
      this.#owned = assignment
        .map(({ topic, partition }) => ({ topic, partition }))
        .sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
      this.#consumer.assign(
        this.#owned.map((tp) => {
          const offset = this.hooks.startOffset?.(tp);
          return offset === undefined ? tp : { ...tp, offset: Number(offset) };
        }),
      );
      this.hooks.onAssignment?.(this.#owned);
    } else if (err.code === ERR_REVOKE_PARTITIONS) {
      this.#revoked = true;
      const commit = this.#stopping ? undefined : this.hooks.onRebalance;
      // librdkafka holds the rebalance until unassign(): what was processed is committed first.
      void (async () => {
        try {
          await commit?.();
        } finally {
          this.#consumer.unassign();
        }
      })().catch((e: unknown) => this.hooks.onCrash?.(e instanceof Error ? e : new Error(String(e))));
    } else {
      this.hooks.onCrash?.(err);
    }
  }

  async #run(handler: BatchHandler<T>): Promise<void> {
    while (!this.#stopping) {
      let messages: RdMessage[];
      try {
        messages = await call<RdMessage[]>((cb) => this.#consumer.consume(CONSUME_MAX, cb));
      } catch (e) {
        if (this.#stopping) return;
        if ((e as RdError).isFatal || !this.#opts.restartOnCrash) return this.hooks.onCrash?.(e as Error);
        await new Promise((r) => setTimeout(r, this.#opts.maxWaitTimeMs));
        continue;
      }
      const eofs = this.#eofs.splice(0);
      this.#sought.clear();
      // Records of partitions being given up are not handed over: their next owner starts from
      // what the rebalance hook committed. Records consumed after the new assignment are its own.
      const current = (tp: TopicPartition): boolean => !this.#stopping && !this.#revoked && !this.#sought.has(`${tp.topic}:${tp.partition}`);
      try {
        for (const batch of byPartition(messages)) if (current(batch[0]!)) await this.#handle(batch, handler);
      } catch (e) {
        this.#stopping = true;
        return this.hooks.onCrash?.(e instanceof Error ? e : new Error(String(e)));
      }
      for (const { topic, partition, offset } of eofs) if (current({ topic, partition })) this.hooks.onProgress?.({ topic, partition }, BigInt(offset));
    }
  }

  async #handle(messages: RdMessage[], handler: BatchHandler<T>): Promise<void> {
    const { topic, partition } = messages[0]!;
    const { records, rejected } = decodeRecords({ topic, partition }, messages.map(toRaw), this.serde, this.#opts.maxRecordBytes);
    const next = messages[messages.length - 1]!.offset + 1;
    await this.deadLetters.write(rejected);
    const { highOffset } = this.#consumer.getWatermarkOffsets(topic, partition);
    await handler({ topic, partition, records, rejected: rejected.length, nextOffset: BigInt(next), highWatermark: BigInt(Math.max(highOffset, next)) });
    this.#stats.handed({ topic, partition }, records.length, rejected.length, BigInt(next));
    if (this.#opts.autoCommit) this.#consumer.offsetsStore([{ topic, partition, offset: next }]);
  }
}

/** One consume() call's records split by partition, each in offset order. */
function byPartition(messages: readonly RdMessage[]): RdMessage[][] {
  const groups = new Map<string, RdMessage[]>();
  for (const m of messages) {
    const id = `${m.topic}:${m.partition}`;
    let g = groups.get(id);
    if (!g) groups.set(id, (g = []));
    g.push(m);
  }
  return [...groups.values()];
}

function toRaw(m: RdMessage): RawRecord {
  const key = m.key === undefined || m.key === null ? null : Buffer.isBuffer(m.key) ? m.key : Buffer.from(m.key);
  const headers: [string, string | Buffer][] = [];
  // librdkafka gives headers as a list of one-entry objects, a repeated name in several.
  for (const h of m.headers ?? []) for (const name in h) headers.push([name, h[name]!]);
  return { key, value: m.value, offset: String(m.offset), timestamp: m.timestamp ?? 0, headers };
}
