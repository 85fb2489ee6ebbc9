/**
 * The dead-letter queue: where records that cannot be used go, with the original bytes, one reason
 * code from a fixed set and the detail, instead of stopping their partition or vanishing.
 */
import * as z from 'zod';
import type { KafkaAdmin } from './admin.js';
import { recordBytes } from './record-bytes.js';
import type { KafkaSink, OutRecord } from './sink.js';

/**
 * Why a record was dead-lettered; one code per record, in the `eddy.dlq.reason` header.
 * - `decode`: the bytes are not a value (empty, not UTF-8, not JSON, …);
 * - `schema`: a value, but not one the job's schema accepts;
 * - `size`: key, value and headers together exceed the source's `maxRecordBytes`;
 * - `time`: the event time is not a non-negative integer, beyond what Eddy can hold, or too far
 *   ahead of the record's Kafka timestamp (`--max-future-skew`);
 * - `user-code`: a function of the job threw on it every time it was tried (`eddy.dlq.operator` names it).
 */
export const DEAD_LETTER_REASONS = ['decode', 'schema', 'size', 'time', 'user-code'] as const;
export type DeadLetterReason = (typeof DEAD_LETTER_REASONS)[number];

/** A record the job could not use, and why. */
export interface RejectedRecord {
  /** Where it came from: the input topic and partition (for `user-code` rejections of the merge stage, its task's). */
  topic: string;
  partition: number;
  /** Its offset in `topic`; null when the rejected value is not one input record (a window's result, a timer). */
  offset: string | null;
  /** Its Kafka timestamp (epoch ms as a decimal string); null as for `offset`. */
  timestamp: string | null;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, string | Buffer>;
  reason: DeadLetterReason;
  /** What exactly was wrong, e.g. `json: Unexpected end of JSON input` or the error a function threw. */
  detail: string;
  /** `user-code`: the node whose function threw. */
  operator?: string;
}

/** Header names on dead-lettered records. Values are UTF-8 strings. */
export const DLQ_HEADERS = {
  reason: 'eddy.dlq.reason',
  detail: 'eddy.dlq.detail',
  operator: 'eddy.dlq.operator',
  topic: 'eddy.dlq.source.topic',
  partition: 'eddy.dlq.source.partition',
  offset: 'eddy.dlq.source.offset',
  timestamp: 'eddy.dlq.source.timestamp',
  /** What was cut to fit the dead-letter topic: `headers`, `value`, `key`, `detail`, comma-separated. */
  truncated: 'eddy.dlq.truncated',
  /** Bytes of key, value and headers (names and values) of the original record, when something was cut. */
  originalSize: 'eddy.dlq.original.size',
} as const;

/** The default dead-letter topic of an input topic. */
export function dlqTopicFor(inputTopic: string): string {
  return `${inputTopic}-dlq`;
}

/**
 * What a dead-letter topic takes beyond its input topic's `max.message.bytes`: room for the
 * `eddy.dlq.*` headers next to a record as big as the input takes.
 */
export const DEAD_LETTER_HEADROOM_BYTES = 64 * 1024;

/**
 * Creates the dead-letter topic of `inputTopic` (one partition) with a `max.message.bytes` of the
 * input's plus {@link DEAD_LETTER_HEADROOM_BYTES}, so that any record the input takes fits as a
 * dead letter uncut. A topic that exists is left as it is. Returns the topic's actual
 * `max.message.bytes`, what {@link KafkaDeadLetterQueue} cuts dead letters to fit.
 *
 * @example
 * const maxBytes = await ensureDeadLetterTopic(admin, 'watch-events', dlqTopicFor('watch-events'));
 */
export async function ensureDeadLetterTopic(admin: KafkaAdmin, inputTopic: string, topic: string): Promise<number> {
  const inputMaxBytes = await admin.maxMessageBytes(inputTopic);
  await admin.ensureTopics([{ name: topic, partitions: 1, config: { 'max.message.bytes': String(inputMaxBytes + DEAD_LETTER_HEADROOM_BYTES) } }]);
  // Read back rather than assumed: a topic that already existed keeps its own limit.
  return admin.maxMessageBytes(topic);
}

/** Where a source sends rejected records. Writing must finish before their offsets are committed. */
export interface DeadLetterWriter {
  write(records: readonly RejectedRecord[]): Promise<void>;
}

/**
 * Bytes of a dead-letter topic's `max.message.bytes` kept back for the record batch a dead letter
 * travels in: the batch header takes 61 bytes (record format v2); the rest is slack.
 */
export const DEAD_LETTER_BATCH_MARGIN = 1024;
/** A detail longer than this (a thrown error's message, a stack) is cut to it, in UTF-8 bytes. */
export const MAX_DETAIL_BYTES = 4096;
/** The smallest `maxBytes` a dead-letter queue takes: room for the `eddy.dlq.*` headers at least. */
export const MIN_DEAD_LETTER_BYTES = 16 * 1024;
/**
 * Per record, besides key, value and headers: the varints of its length, timestamp and offset
 * deltas, key and value lengths and header count, at their longest, and its attributes byte.
 */
const RECORD_ALLOWANCE = 36;
/** Per header: the varints of its name's and value's lengths, at their longest. */
const HEADER_ALLOWANCE = 10;

/** What a record takes in a record batch, at most: its bytes plus the allowances. */
function wireBytes(key: Buffer | null, value: Buffer | null, headers: Record<string, string | Buffer>): number {
  return RECORD_ALLOWANCE + recordBytes(key, value, headers) + HEADER_ALLOWANCE * Object.keys(headers).length;
}

/** `text` cut to at most `maxBytes` UTF-8 bytes, on a character boundary, ending in `…` when cut. */
function cutUtf8(text: string, maxBytes: number): string {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) return text;
  let end = maxBytes - Buffer.byteLength('…');
  // Back off continuation bytes (10xxxxxx): `end` must start a character.
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end -= 1;
  return `${bytes.subarray(0, end).toString('utf8')}…`;
}

/**
 * Builds the dead-letter record: original key, value and headers, plus the `eddy.dlq.*` headers,
 * cut to fit a topic whose `max.message.bytes` is `maxBytes` (less {@link DEAD_LETTER_BATCH_MARGIN}).
 * A record too big for it loses its original headers first (the `eddy.dlq.*` ones stay), then the
 * end of its value, then the end of its key; a detail over {@link MAX_DETAIL_BYTES} is cut too.
 * Whatever was cut is named in `eddy.dlq.truncated` (`headers,value,key,detail`, in that order,
 * those that apply), next to `eddy.dlq.original.size`, the original key, value and headers' bytes.
 *
 * @example
 * const letter = toDeadLetter(rejected, 1_114_124); // the DLQ topic's max.message.bytes
 * letter.headers?.['eddy.dlq.truncated']; // e.g. 'headers,value', or undefined when nothing was cut
 */
export function toDeadLetter(r: RejectedRecord, maxBytes: number): OutRecord {
  const limit = maxBytes - DEAD_LETTER_BATCH_MARGIN;
  const detail = cutUtf8(r.detail, MAX_DETAIL_BYTES);
  const eddy: Record<string, string> = {
    [DLQ_HEADERS.reason]: r.reason,
    [DLQ_HEADERS.detail]: detail,
    ...(r.operator !== undefined ? { [DLQ_HEADERS.operator]: r.operator } : {}),
    [DLQ_HEADERS.topic]: r.topic,
    [DLQ_HEADERS.partition]: String(r.partition),
    ...(r.offset !== null ? { [DLQ_HEADERS.offset]: r.offset } : {}),
    ...(r.timestamp !== null ? { [DLQ_HEADERS.timestamp]: r.timestamp } : {}),
  };
  const whole = { ...r.headers, ...eddy };
  if (detail === r.detail && wireBytes(r.key, r.value, whole) <= limit) return { key: r.key, value: r.value, headers: whole };
  // Something gets cut: room is kept for the two headers that say so, at their longest.
  const longestMarks = { [DLQ_HEADERS.truncated]: 'headers,value,key,detail', [DLQ_HEADERS.originalSize]: String(Number.MAX_SAFE_INTEGER) };
  const cut: string[] = [];
  let headers: Record<string, string | Buffer> = r.headers;
  let { key, value } = r;
  const over = (): number => wireBytes(key, value, { ...headers, ...eddy, ...longestMarks }) - limit;
  if (over() > 0 && Object.keys(headers).length > 0) {
    headers = {};
    cut.push('headers');
  }
  if (over() > 0 && value !== null) {
    value = value.subarray(0, Math.max(0, value.length - over()));
    cut.push('value');
  }
  if (over() > 0 && key !== null) {
    key = key.subarray(0, Math.max(0, key.length - over()));
    cut.push('key');
  }
  if (over() > 0) throw new Error(`the dead-letter headers of ${r.topic}/${r.partition} alone exceed ${maxBytes} bytes`);
  if (detail !== r.detail) cut.push('detail');
  return {
    key,
    value,
    headers: { ...headers, ...eddy, [DLQ_HEADERS.truncated]: cut.join(','), [DLQ_HEADERS.originalSize]: String(recordBytes(r.key, r.value, r.headers)) },
  };
}

/**
 * Writes rejected records to a Kafka topic through a sink, each cut to fit the topic (see
 * {@link toDeadLetter}); `maxBytes` is the topic's `max.message.bytes`, as `ensureJobTopics` reports
 * it. Inside an open transaction the records join it (committed with the offsets); otherwise they
 * are flushed before `write` returns.
 *
 * @example
 * const dlq = new KafkaDeadLetterQueue(sink, dlqTopicFor('watch-events'), 1_114_124);
 */
export class KafkaDeadLetterQueue implements DeadLetterWriter {
  readonly maxBytes: number;

  constructor(
    private readonly sink: Pick<KafkaSink, 'send' | 'flush' | 'inTransaction'>,
    readonly topic: string,
    maxBytes: number,
  ) {
    this.maxBytes = z.number().int().min(MIN_DEAD_LETTER_BYTES).parse(maxBytes);
  }

  async write(records: readonly RejectedRecord[]): Promise<void> {
    if (records.length === 0) return;
    await this.sink.send(this.topic, records.map((r) => toDeadLetter(r, this.maxBytes)));
    if (!this.sink.inTransaction) await this.sink.flush();
  }
}
