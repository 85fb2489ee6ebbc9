/**
 * The records of the partials topic, between the two top-K phases: a partition task's partial top-K
 * of one window and group, or its watermark marker. Written by Eddy only, but read with the same
 * guard as any input: a record that does not decode must stop the job with its position (the merge
 * cannot skip state it needs), never fail the member over and over.
 */
import * as z from 'zod';
import { describeZodIssue, type Serde } from '../../connectors/kafka/serde.js';
import type { WatermarkMarker } from '../checkpoint/commit-protocol.js';
import type { PartialTopK } from '../operators/top-k-local.js';

/** A record on the partials topic. */
export type PartialsRecord = { type: 'partial'; topK: string; partial: PartialTopK } | WatermarkMarker;

const watermark = z.union([z.number(), z.null(), z.literal('end')]);
const PartialsRecordSchema = z.discriminatedUnion('type', [
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
  z.object({ type: z.literal('watermark'), partition: z.number().int().nonnegative(), watermark, idle: z.boolean() }),
]);

/**
 * @example
 * partialsSerde.decode(Buffer.from('{"type":"watermark","partition":0,"watermark":null,"idle":false}'))
 */
export const partialsSerde: Serde<PartialsRecord> = {
  decode(value) {
    if (value === null) return { ok: false, reason: 'decode', detail: 'empty: record has no value' };
    let json: unknown;
    try {
      json = JSON.parse(value.toString('utf8'));
    } catch (e) {
      return { ok: false, reason: 'decode', detail: `json: ${(e as Error).message}` };
    }
    const parsed = PartialsRecordSchema.safeParse(json);
    if (!parsed.success) return { ok: false, reason: 'schema', detail: describeZodIssue(parsed.error) };
    return { ok: true, value: parsed.data as PartialsRecord };
  },
  encode: (v) => Buffer.from(JSON.stringify(v)),
};
