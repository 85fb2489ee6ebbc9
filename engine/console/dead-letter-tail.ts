/**
 * The newest dead letters of a job, for the console: follows its dead-letter topics from a little
 * before their end (never the whole topic) and keeps the last few, with their reasons, decoded from
 * the `eddy.dlq.*` headers.
 */
import { randomUUID } from 'node:crypto';
import { KafkaAdmin } from '../../connectors/kafka/admin.js';
import type { KafkaClientOptions } from '../../connectors/kafka/config.js';
import { DLQ_HEADERS } from '../../connectors/kafka/dead-letter.js';
import { KafkaSource } from '../../connectors/kafka/kafka-source.js';
import { type SourceRecord } from '../../connectors/kafka/record-source.js';
import { bytesSerde } from '../api/serde.js';

/** A dead letter as the console shows it; `value` is the start of the original bytes, as text. */
export interface DeadLetterInfo {
  /** When it was dead-lettered (the dead letter's Kafka timestamp), epoch ms. */
  at: number;
  reason: string;
  detail: string;
  operator: string | null;
  topic: string | null;
  partition: number | null;
  offset: string | null;
  key: string | null;
  value: string | null;
}

const PREVIEW_CHARS = 300;

/**
 * @example
 * const tail = new DeadLetterTail(kafka, ['watch-events-dlq'], 20);
 * await tail.start();
 * tail.newest(); // newest first
 */
export class DeadLetterTail {
  readonly #kept: DeadLetterInfo[] = [];
  #source: KafkaSource<Buffer | null> | undefined;

  constructor(
    readonly kafka: KafkaClientOptions,
    readonly topics: readonly string[],
    readonly keep = 20,
  ) {}

  async start(): Promise<void> {
    if (this.topics.length === 0) return;
    const from = new Map<string, bigint>();
    const admin = new KafkaAdmin(this.kafka);
    await admin.connect();
    try {
      for (const topic of this.topics) {
        for (const o of await admin.offsets(topic)) {
          const back = o.high - BigInt(this.keep);
          from.set(`${topic}:${o.partition}`, back > o.low ? back : o.low);
        }
      }
    } finally {
      await admin.disconnect();
    }
    const nullable = { decode: (v: Buffer | null) => ({ ok: true as const, value: v }), encode: bytesSerde.encode };
    this.#source = new KafkaSource<Buffer | null>(
      { ...this.kafka, clientId: 'eddy-console' },
      // Dead letters are large at most: no size limit, nothing of them goes anywhere else.
      { groupId: `eddy-console-${randomUUID()}`, topics: [...this.topics], autoCommit: false, maxWaitTimeMs: 1_000, maxRecordBytes: Number.MAX_SAFE_INTEGER },
      nullable,
      { write: async () => undefined },
      { startOffset: (tp) => from.get(`${tp.topic}:${tp.partition}`) },
    );
    await this.#source.start(async (batch) => {
      for (const r of batch.records) this.#kept.push(deadLetterOf(r));
      this.#kept.sort((a, b) => a.at - b.at);
      this.#kept.splice(0, Math.max(0, this.#kept.length - this.keep));
    });
  }

  /** The newest dead letters, newest first. */
  newest(limit = this.keep): DeadLetterInfo[] {
    return this.#kept.slice(-limit).reverse();
  }

  async stop(): Promise<void> {
    await this.#source?.stop();
  }
}

/** Reads a dead letter's headers (see {@link DLQ_HEADERS}). */
export function deadLetterOf(r: SourceRecord<Buffer | null>): DeadLetterInfo {
  const h = (name: string): string | null => {
    const v = r.headers[name];
    return v === undefined ? null : v.toString();
  };
  const partition = h(DLQ_HEADERS.partition);
  return {
    at: r.timestamp,
    reason: h(DLQ_HEADERS.reason) ?? 'unknown',
    detail: h(DLQ_HEADERS.detail) ?? '',
    operator: h(DLQ_HEADERS.operator),
    topic: h(DLQ_HEADERS.topic),
    partition: partition === null ? null : Number(partition),
    offset: h(DLQ_HEADERS.offset),
    key: r.key === null ? null : preview(r.key),
    value: r.value === null ? null : preview(r.value),
  };
}

function preview(b: Buffer): string {
  const text = b.subarray(0, PREVIEW_CHARS * 4).toString('utf8');
  return text.length > PREVIEW_CHARS ? `${text.slice(0, PREVIEW_CHARS)}…` : text;
}
