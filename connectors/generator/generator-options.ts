/**
 * Options of `eddy generate`, parsed once into a complete object. Flags arrive as strings; `--config`
 * and `-D` values may be JSON; this schema accepts both.
 */
import * as z from 'zod';
import { durationMs, numberFlag, ratePerSecond } from '../../engine/config/units.js';
import { DEFAULT_BROKERS, KafkaClientOptionsSchema } from '../kafka/config.js';

export const DEFAULT_RATE = '20000/min';
export const DEFAULT_CATEGORIES = ['movies', 'series', 'sports', 'news', 'kids'] as const;

const fraction = numberFlag((n) => n.min(0).max(1));
const epochMs = z.union([z.number(), z.string()]).transform((v, ctx) => {
  const ms = typeof v === 'number' || /^\d+$/.test(v) ? Number(v) : Date.parse(v);
  if (!Number.isSafeInteger(ms) || ms < 0) {
    ctx.addIssue({ code: 'custom', message: `expected epoch milliseconds or an ISO-8601 time, got '${v}'` });
    return z.NEVER;
  }
  return ms;
});

export const GeneratorOptionsSchema = z
  .strictObject({
    brokers: z.string().default(DEFAULT_BROKERS),
    /** Other Kafka client settings (`-D kafka.sasl.mechanism=plain`, …). */
    kafka: KafkaClientOptionsSchema.omit({ brokers: true }).partial().default({}),
    topic: z.string().regex(/^[a-zA-Z0-9._-]{1,249}$/, 'expected a Kafka topic name').default('watch-events'),
    partitions: numberFlag((n) => n.int().min(1).max(10_000)).default(8),
    /** Events per second; absent with --count means "as fast as the broker takes them". */
    rate: ratePerSecond.optional(),
    count: numberFlag((n) => n.int().positive()).optional(),
    duration: durationMs.optional(),
    items: numberFlag((n) => n.int().min(1).max(10_000_000)).default(10_000),
    zipf: numberFlag((n) => n.min(0).max(10)).default(1.1),
    categories: z
      .union([z.string(), z.array(z.string())])
      .transform((v) => (Array.isArray(v) ? v : v.split(',')).map((s) => s.trim()).filter((s) => s.length > 0))
      .pipe(z.array(z.string().min(1)).min(1, 'expected at least one category'))
      .default([...DEFAULT_CATEGORIES]),
    seed: numberFlag((n) => n.int().min(0).max(0xffffffff)).default(() => Math.floor(Math.random() * 0xffffffff)),
    outOfOrder: durationMs.default(5_000),
    lateFraction: fraction.default(0),
    badFraction: fraction.default(0),
    /** Nominal event time of the first event (default: now). Fixed, it makes runs byte-identical. */
    startTime: epochMs.optional(),
  })
  .refine((o) => o.count === undefined || o.duration === undefined, {
    message: 'give --count or --duration, not both',
    path: ['duration'],
  })
  .refine((o) => o.lateFraction + o.badFraction <= 1, {
    message: '--late-fraction plus --bad-fraction must not exceed 1',
    path: ['badFraction'],
  });

export type GeneratorInput = z.input<typeof GeneratorOptionsSchema>;
export type GeneratorOptions = z.output<typeof GeneratorOptionsSchema>;

/**
 * The event time of the first event: `--start-time`, else now; but an unpaced `--count N` run, whose
 * event times advance at the nominal rate however fast it produces, ends at now instead of N/rate
 * ahead of the clock, so that no event is stamped in the future (a job dead-letters events too far
 * ahead of their Kafka timestamp: `--max-future-skew`).
 *
 * @example
 * startTimeOf(GeneratorOptionsSchema.parse({ count: 20_000 }), Date.now()) // now − 60 s at 20000/min
 */
export function startTimeOf(o: GeneratorOptions, now: number): number {
  if (o.startTime !== undefined) return o.startTime;
  const { paced, eventTime } = ratesOf(o);
  return paced === undefined && o.count !== undefined ? now - Math.floor((o.count * 1000) / eventTime) : now;
}

/** The rate events are produced at (undefined: unpaced) and the rate their event times advance at. */
export function ratesOf(o: GeneratorOptions): { paced: number | undefined; eventTime: number } {
  const nominal = ratePerSecond.parse(DEFAULT_RATE);
  const paced = o.rate ?? (o.count === undefined ? nominal : undefined);
  return { paced, eventTime: o.rate ?? nominal };
}
