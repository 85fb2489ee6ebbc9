/**
 * Kafka sink: an idempotent producer by default, or a transactional one whose transactions can carry
 * the source's offsets (`sendOffsets`), which is what makes consume-transform-produce exactly once.
 * Records are buffered and sent in large batches; `flush()` sends what is buffered now.
 */
import type { Message, Producer, Transaction } from 'kafkajs';
import * as z from 'zod';
import { createKafka, type KafkaClientOptions } from './config.js';
import { kafkajs } from './kafkajs.js';
import { recordBytes } from './record-bytes.js';

/** One record to write. Without `partition`, the key picks it (murmur2, as Java clients do). */
export interface OutRecord {
  key?: Buffer | string | null;
  value: Buffer | string | null;
  headers?: Record<string, string | Buffer>;
  partition?: number;
  timestamp?: number;
}

/** Offsets to commit with a transaction: the next offset to read, per partition, for a group. */
export interface TransactionOffsets {
  consumerGroupId: string;
  offsets: { topic: string; partition: number; offset: bigint }[];
}

export const SinkOptionsSchema = z.strictObject({
  /** `idempotent` (default): no duplicates from retries. `transactional`: needs `transactionalId`. */
  mode: z.enum(['idempotent', 'transactional']).default('idempotent'),
  /** Stable per input partition (or per task), so a restarted task fences its predecessor. */
  transactionalId: z.string().min(1).optional(),
  /** The broker aborts a transaction left open this long (must be ≤ transaction.max.timeout.ms). */
  transactionTimeoutMs: z.number().int().positive().default(60_000),
  /** Buffered records that trigger a send without waiting for `flush()`. */
  batchSize: z.number().int().positive().default(5_000),
  /**
   * Buffered bytes (keys, values, headers, plus a per-record allowance) that trigger a send: a
   * partition's records go to the broker as one batch, which must stay under its
   * `message.max.bytes` (1 MiB by default), or it refuses the whole send.
   */
  maxBatchBytes: z.number().int().positive().default(512 * 1024),
}).refine((o) => o.mode !== 'transactional' || o.transactionalId !== undefined, {
  message: 'transactional mode needs a transactionalId',
  path: ['transactionalId'],
});
export type SinkOptions = z.input<typeof SinkOptionsSchema>;

/**
 * @example
 * const sink = new KafkaSink(kafkaClientOptions(), { mode: 'transactional', transactionalId: 'job-p0' });
 * await sink.connect();
 * await sink.begin();
 * await sink.send('trending', [{ key: 'all', value: '{"rankings":[]}' }]);
 * await sink.commit({ consumerGroupId: 'job', offsets: [{ topic: 'in', partition: 0, offset: 42n }] });
 */
export class KafkaSink {
  readonly #opts: z.output<typeof SinkOptionsSchema>;
  readonly #producer: Producer;
  #buffer = new Map<string, Message[]>();
  #buffered = 0;
  #bufferedBytes = 0;
  /** The tail of the send queue; it never rejects (a failure is kept in #failure). */
  #chain: Promise<void> = Promise.resolve();
  #failure: unknown;
  #txn: Transaction | undefined;
  #sent = 0;
  /** Next offset after the last record acknowledged, per `topic:partition`, for explicitly partitioned sends. */
  readonly #next = new Map<string, bigint>();

  constructor(client: KafkaClientOptions, options: SinkOptions = {}) {
    this.#opts = SinkOptionsSchema.parse(options);
    const transactional = this.#opts.mode === 'transactional';
    this.#producer = createKafka(client).producer({
      createPartitioner: kafkajs.Partitioners.DefaultPartitioner,
      idempotent: true,
      // kafkajs keeps sequence numbers correct only with one request in flight per connection.
      maxInFlightRequests: 1,
      ...(transactional ? { transactionalId: this.#opts.transactionalId, transactionTimeout: this.#opts.transactionTimeoutMs } : {}),
    });
  }

  connect(): Promise<void> {
    return this.#producer.connect();
  }

  /** Records acknowledged by the broker so far (in transactional mode: sent, committed or not). */
  get sentCount(): number {
    return this.#sent;
  }

  /**
   * The offset after the last acknowledged record this sink sent to an explicit partition (undefined
   * if none). A changelog writer stores it to know where its committed data ends.
   */
  nextOffset(topic: string, partition: number): bigint | undefined {
    return this.#next.get(`${topic}:${partition}`);
  }

  get inTransaction(): boolean {
    return this.#txn !== undefined;
  }

  /**
   * Buffers records. Once `batchSize` records or `maxBatchBytes` are buffered it starts sending them
   * and waits for the batch before (one batch in flight, one filling): awaiting `send` is the
   * backpressure, and however many records one call brings, no request grows past the bounds. A
   * record that would take the buffer past `maxBatchBytes` goes in the next batch; one bigger than
   * `maxBatchBytes` by itself goes alone.
   */
  async send(topic: string, records: readonly OutRecord[]): Promise<void> {
    let list = this.#listFor(topic);
    for (const r of records) {
      const size = sizeOf(r);
      if (this.#buffered > 0 && this.#bufferedBytes + size > this.#opts.maxBatchBytes) {
        await this.#sendBehindPrevious();
        list = this.#listFor(topic);
      }
      list.push(toMessage(r));
      this.#buffered += 1;
      this.#bufferedBytes += size;
      if (this.#buffered >= this.#opts.batchSize || this.#bufferedBytes >= this.#opts.maxBatchBytes) {
        await this.#sendBehindPrevious();
        list = this.#listFor(topic);
      }
    }
  }

  /**
   * Starts sending the buffer and waits for the send before it. The send takes the buffer
   * synchronously, before this resumes: the caller fills a new one.
   */
  async #sendBehindPrevious(): Promise<void> {
    const previous = this.#chain;
    void this.#startSend();
    await previous;
    this.#throwIfFailed();
  }

  #listFor(topic: string): Message[] {
    let list = this.#buffer.get(topic);
    if (!list) this.#buffer.set(topic, (list = []));
    return list;
  }

  /** Sends everything buffered and waits until the broker has acknowledged it. */
  async flush(): Promise<void> {
    await this.#startSend();
    this.#throwIfFailed();
  }

  /** Starts a transaction (transactional mode only). */
  async begin(): Promise<void> {
    if (this.#opts.mode !== 'transactional') throw new Error('begin() needs a sink in transactional mode');
    if (this.#txn) throw new Error('a transaction is already open');
    await this.flush();
    this.#txn = await this.#producer.transaction();
  }

  /** Flushes, adds the offsets (if any) to the transaction, and commits it. */
  async commit(offsets?: TransactionOffsets): Promise<void> {
    const txn = this.#requireTxn();
    await this.flush();
    if (offsets && offsets.offsets.length > 0) {
      const byTopic = new Map<string, { partition: number; offset: string }[]>();
      for (const o of offsets.offsets) {
        let parts = byTopic.get(o.topic);
        if (!parts) byTopic.set(o.topic, (parts = []));
        parts.push({ partition: o.partition, offset: o.offset.toString() });
      }
      await txn.sendOffsets({
        consumerGroupId: offsets.consumerGroupId,
        topics: [...byTopic].map(([topic, partitions]) => ({ topic, partitions })),
      });
    }
    await txn.commit();
    this.#txn = undefined;
  }

  /** Drops what is buffered and aborts the open transaction. */
  async abort(): Promise<void> {
    const txn = this.#requireTxn();
    await this.#chain;
    this.#buffer.clear();
    this.#buffered = 0;
    this.#bufferedBytes = 0;
    this.#txn = undefined;
    this.#failure = undefined;
    await txn.abort();
  }

  async disconnect(): Promise<void> {
    if (this.#txn) await this.abort();
    else await this.flush();
    await this.#producer.disconnect();
  }

  #requireTxn(): Transaction {
    if (!this.#txn) throw new Error('no open transaction: call begin() first');
    return this.#txn;
  }

  // Sends go out one at a time, in order (see maxInFlightRequests above).
  #startSend(): Promise<void> {
    this.#chain = this.#chain.then(() => this.#sendBuffered()).catch((e: unknown) => {
      this.#failure ??= e;
    });
    return this.#chain;
  }

  #throwIfFailed(): void {
    if (this.#failure !== undefined) throw this.#failure;
  }

  async #sendBuffered(): Promise<void> {
    if (this.#failure !== undefined) return;
    if (this.#buffered === 0) return;
    const topicMessages = [...this.#buffer].map(([topic, messages]) => ({ topic, messages }));
    const count = this.#buffered;
    this.#buffer = new Map();
    this.#buffered = 0;
    this.#bufferedBytes = 0;
    const target = this.#txn ?? this.#producer;
    const explicit = new Map<string, number>();
    for (const { topic, messages } of topicMessages) {
      for (const m of messages) if (m.partition !== undefined) explicit.set(`${topic}:${m.partition}`, (explicit.get(`${topic}:${m.partition}`) ?? 0) + 1);
    }
    const acks = await target.sendBatch({ topicMessages, acks: -1 });
    for (const a of acks) {
      const id = `${a.topicName}:${a.partition}`;
      const n = explicit.get(id);
      if (n !== undefined && a.baseOffset !== undefined) this.#next.set(id, BigInt(a.baseOffset) + BigInt(n));
    }
    this.#sent += count;
  }
}

/** Per-record overhead in a batch (length prefixes, offsets, timestamps), generously. */
const RECORD_OVERHEAD_BYTES = 32;

function sizeOf(r: OutRecord): number {
  return RECORD_OVERHEAD_BYTES + recordBytes(r.key, r.value, r.headers);
}

function toMessage(r: OutRecord): Message {
  return {
    key: r.key ?? null,
    value: r.value,
    ...(r.headers ? { headers: r.headers } : {}),
    ...(r.partition !== undefined ? { partition: r.partition } : {}),
    ...(r.timestamp !== undefined ? { timestamp: String(r.timestamp) } : {}),
  };
}
