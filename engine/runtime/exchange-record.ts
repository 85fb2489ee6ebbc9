/**
 * The records of an exchange topic (graph/stage-plan.ts), between two stages: a keyed record on its
 * way to the task owning its key (repartition), a partial top-K on its way to the merge phase, or an
 * upstream task's watermark marker. Written by Eddy only, but read with the same guard as any input:
 * a record that does not decode must stop the job with its position (a downstream task cannot skip
 * what it needs), never fail the member over and over.
 */
import * as z from 'zod';
import { describeZodIssue, type Serde } from '../api/serde.js';
import type { OutRecord } from '../../connectors/kafka/sink.js';
import type { WatermarkMarker } from '../checkpoint/commit-protocol.js';
import type { RecordOrigin, StreamRecord } from '../operators/operator.js';
import type { PartialTopK } from '../operators/top-k-local.js';
import { subtaskOfKeyGroup } from '../state/key-groups.js';

/** A record on an exchange topic. `t`: event time; `k`: the key it was keyed by. */
export type ExchangeRecord = { type: 'record'; k: string; t: number; v: unknown } | { type: 'partial'; topK: string; partial: PartialTopK } | WatermarkMarker;

const watermark = z.union([z.number(), z.null(), z.literal('end')]);
const ExchangeRecordSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('record'), k: z.string(), t: z.number(), v: z.unknown() }),
  z.object({
    type: z.literal('partial'),
    topK: z.string(),
    partial: z.object({
      windowStart: z.number(),
      windowEnd: z.number(),
      group: z.string(),
      entries: z.array(z.object({ key: z.string(), score: z.number(), value: z.unknown() })),
      early: z.boolean(),
    }),
  }),
  z.object({ type: z.literal('watermark'), from: z.string().min(1), watermark, idle: z.boolean() }),
]);

/**
 * @example
 * exchangeSerde.decode(Buffer.from('{"type":"watermark","from":"watch-events:0","watermark":null,"idle":false}'))
 */
export const exchangeSerde: Serde<ExchangeRecord> = {
  decode(value) {
    if (value === null) return { ok: false, reason: 'decode', detail: 'empty: record has no value' };
    let json: unknown;
    try {
      json = JSON.parse(value.toString('utf8'));
    } catch (e) {
      return { ok: false, reason: 'decode', detail: `json: ${(e as Error).message}` };
    }
    const parsed = ExchangeRecordSchema.safeParse(json);
    if (!parsed.success) return { ok: false, reason: 'schema', detail: describeZodIssue(parsed.error) };
    return { ok: true, value: parsed.data as ExchangeRecord };
  },
  encode: (v) => Buffer.from(JSON.stringify(v)),
};

/**
 * A keyed record as its exchange record's JSON, or why it has none: a value that JSON cannot carry
 * (a BigInt, a cycle, `undefined`) cannot cross a repartition topic.
 *
 * @example
 * encodeKeyed('fr:tv', 1_000, { views: 1 }) // '{"type":"record","k":"fr:tv","t":1000,"v":{"views":1}}'
 */
export function encodeKeyed(key: string, timestamp: number, value: unknown): string | { error: string } {
  let v: string | undefined;
  try {
    v = JSON.stringify(value);
  } catch (e) {
    return { error: `the value cannot cross a repartition topic as JSON: ${(e as Error).message}` };
  }
  if (v === undefined) return { error: 'the value cannot cross a repartition topic as JSON: it is undefined or a function' };
  return `{"type":"record","k":${JSON.stringify(key)},"t":${timestamp},"v":${v}}`;
}

/**
 * Records leaving a stage at exchange `node`, as the exchange topic's records: a keyed record to the
 * partition owning its key group (as a task of the next stage owns a range of them), a partial top-K
 * (unkeyed) to the merge's one partition. What JSON cannot carry comes back to be dead-lettered.
 *
 * @example
 * const { out, unencodable } = exchangeRecordsOf('by-region', records, { from: 'watch-events:3', partitions: 8, maxParallelism: 128 });
 */
export function exchangeRecordsOf(
  node: string,
  records: readonly StreamRecord[],
  to: { from: string; partitions: number; maxParallelism: number },
): { out: OutRecord[]; unencodable: { detail: string; value: unknown; origin?: RecordOrigin }[] } {
  const out: OutRecord[] = [];
  const unencodable: { detail: string; value: unknown; origin?: RecordOrigin }[] = [];
  for (const r of records) {
    if (r.key === undefined) {
      out.push({ key: to.from, value: JSON.stringify({ type: 'partial', topK: node, partial: r.value as PartialTopK } satisfies ExchangeRecord), partition: 0 });
      continue;
    }
    const value = encodeKeyed(r.key, r.timestamp, r.value);
    if (typeof value === 'string') out.push({ key: r.key, value, partition: subtaskOfKeyGroup(r.keyGroup!, to.partitions, to.maxParallelism) });
    else unencodable.push({ detail: value.error, value: r.value, ...(r.origin ? { origin: r.origin } : {}) });
  }
  return { out, unencodable };
}
