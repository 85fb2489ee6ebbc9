/**
 * The dead-letter queue: where records that cannot be decoded or fail their schema go, with the
 * original bytes and the reason, instead of stopping their partition or vanishing.
 */
import type { KafkaSink, OutRecord } from './sink.js';

/** A record the source could not use, and why. */
export interface RejectedRecord {
  topic: string;
  partition: number;
  offset: string;
  timestamp: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, string | Buffer>;
  reason: string;
}

/** Header names on dead-lettered records. Values are UTF-8 strings. */
export const DLQ_HEADERS = {
  reason: 'eddy.dlq.reason',
  topic: 'eddy.dlq.source.topic',
  partition: 'eddy.dlq.source.partition',
  offset: 'eddy.dlq.source.offset',
  timestamp: 'eddy.dlq.source.timestamp',
} as const;

/** The default dead-letter topic of an input topic. */
export function dlqTopicFor(inputTopic: string): string {
  return `${inputTopic}-dlq`;
}

/** Where a source sends rejected records. Writing must finish before their offsets are committed. */
export interface DeadLetterWriter {
  write(records: readonly RejectedRecord[]): Promise<void>;
}

/** Builds the dead-letter record: original key, value and headers, plus the `eddy.dlq.*` headers. */
export function toDeadLetter(r: RejectedRecord): OutRecord {
  return {
    key: r.key,
    value: r.value,
    headers: {
      ...r.headers,
      [DLQ_HEADERS.reason]: r.reason,
      [DLQ_HEADERS.topic]: r.topic,
      [DLQ_HEADERS.partition]: String(r.partition),
      [DLQ_HEADERS.offset]: r.offset,
      [DLQ_HEADERS.timestamp]: r.timestamp,
    },
  };
}

/**
 * Writes rejected records to a Kafka topic through a sink. Inside an open transaction the records
 * join it (committed with the offsets); otherwise they are flushed before `write` returns.
 *
 * @example
 * const dlq = new KafkaDeadLetterQueue(sink, dlqTopicFor('watch-events'));
 */
export class KafkaDeadLetterQueue implements DeadLetterWriter {
  constructor(
    private readonly sink: KafkaSink,
    readonly topic: string,
  ) {}

  async write(records: readonly RejectedRecord[]): Promise<void> {
    if (records.length === 0) return;
    await this.sink.send(this.topic, records.map(toDeadLetter));
    if (!this.sink.inTransaction) await this.sink.flush();
  }
}
