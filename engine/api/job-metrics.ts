/**
 * A job's own metrics: counters, gauges and histograms a job module declares at module level and
 * lists in `defineJob({ metrics })`. The runtime loads the job module in every thread that runs its
 * code (member threads, and the runner's main thread for views), so each thread has its own handles;
 * it binds them to that thread's registry (engine/metrics/job-metrics-registry.ts) and the runner
 * sums the threads at scrape time. Outside a runner (tests, `eddy plan`) updates go nowhere.
 */
import * as z from 'zod';

/** The label values of one series: exactly the declared label names. */
export type Labels<L extends string> = { readonly [K in L]: string };

/** Where a bound handle's updates go (the thread's registry); internal to the runtime. */
export interface MetricSink {
  update(op: 'inc' | 'set' | 'observe', labels: Readonly<Record<string, string>>, value: number): void;
  remove(labels: Readonly<Record<string, string>>): void;
}

/** Binds a handle to a sink (or unbinds it); not part of the public API (engine/index.ts). */
export const BIND = Symbol('eddy.job-metric.bind');

const NAME = /^[a-z][a-z0-9_]*$/;
/** Labels Prometheus or Eddy set themselves: a job's metric cannot declare them. */
const RESERVED_LABELS = ['job', 'job_name', 'instance', 'le', 'quantile'];
export const DEFAULT_MAX_SERIES = 1_000;

const Common = z.strictObject({
  name: z.string().max(100).regex(NAME, 'lower-case letters, digits and _, starting with a letter'),
  help: z.string().min(1).max(500),
  labels: z
    .array(z.string().max(64).regex(NAME, 'lower-case letters, digits and _, starting with a letter'))
    .max(8)
    .default([])
    .refine((l) => new Set(l).size === l.length, 'label names must be unique')
    .refine((l) => !l.some((x) => RESERVED_LABELS.includes(x)), `${RESERVED_LABELS.join(', ')} are set by Prometheus or Eddy`),
  /** Series (label value sets) a thread holds at most; past it, updates opening a new one are refused and counted. */
  maxSeries: z.number().int().min(1).max(100_000).default(DEFAULT_MAX_SERIES),
});
const CounterSpecSchema = Common.extend({ name: Common.shape.name.refine((n) => n.endsWith('_total'), 'a counter is named …_total') });
const GaugeSpecSchema = Common.extend({
  name: Common.shape.name.refine((n) => !n.endsWith('_total'), '…_total is for counters'),
  /** How the runner combines the threads' values of one series (default: sum). */
  aggregate: z.enum(['sum', 'max', 'min']).default('sum'),
});
const HistogramSpecSchema = Common.extend({
  name: Common.shape.name.refine((n) => !/_(total|bucket|sum|count)$/.test(n), 'a histogram name must not end in _total, _bucket, _sum or _count'),
  buckets: z.array(z.number().finite()).min(1).max(30).refine((b) => b.every((x, i) => i === 0 || x > b[i - 1]!), 'buckets must increase'),
});

/** What `counter()` takes: name (…_total), help, labels (at most 8), maxSeries (default 1,000). */
export type CounterSpec<L extends string> = Omit<z.input<typeof CounterSpecSchema>, 'labels'> & { labels?: readonly L[] };
/** What `gauge()` takes: as a counter's (name not …_total), and aggregate: sum (default), max or min. */
export type GaugeSpec<L extends string> = Omit<z.input<typeof GaugeSpecSchema>, 'labels'> & { labels?: readonly L[] };
/** What `histogram()` takes: as a counter's (name not …_total), and buckets (increasing, at most 30). */
export type HistogramSpec<L extends string> = Omit<z.input<typeof HistogramSpecSchema>, 'labels'> & { labels?: readonly L[] };

/** A declared metric's settings, validated. */
export type JobMetricSpec =
  | ({ type: 'counter' } & z.output<typeof CounterSpecSchema>)
  | ({ type: 'gauge' } & z.output<typeof GaugeSpecSchema>)
  | ({ type: 'histogram' } & z.output<typeof HistogramSpecSchema>);

abstract class JobMetricHandle<L extends string> {
  #sink: MetricSink | undefined;

  constructor(readonly spec: JobMetricSpec) {}

  [BIND](sink: MetricSink | undefined): void {
    this.#sink = sink;
  }

  protected update(op: 'inc' | 'set' | 'observe', labels: Labels<L>, value: number): void {
    this.#sink?.update(op, labels, value);
  }

  protected drop(labels: Labels<L>): void {
    this.#sink?.remove(labels);
  }
}

/** A counter of the job's own: only goes up. */
export class JobCounter<L extends string = never> extends JobMetricHandle<L> {
  inc(labels: Labels<L>, n = 1): void {
    this.update('inc', labels, n);
  }
}

/** A gauge of the job's own: set to a value, or removed (which frees its place under maxSeries). */
export class JobGauge<L extends string = never> extends JobMetricHandle<L> {
  set(labels: Labels<L>, value: number): void {
    this.update('set', labels, value);
  }

  inc(labels: Labels<L>, n = 1): void {
    this.update('inc', labels, n);
  }

  remove(labels: Labels<L>): void {
    this.drop(labels);
  }
}

/** A histogram of the job's own, with its declared buckets. */
export class JobHistogram<L extends string = never> extends JobMetricHandle<L> {
  observe(labels: Labels<L>, value: number): void {
    this.update('observe', labels, value);
  }
}

export type JobMetric = JobCounter<string> | JobGauge<string> | JobHistogram<string>;

const parse = <S extends z.ZodType>(schema: S, spec: { name: string; labels?: readonly string[] }): z.output<S> => {
  const r = schema.safeParse({ ...spec, ...(spec.labels ? { labels: [...spec.labels] } : {}) });
  if (!r.success) throw new Error(`metric ${spec.name}: ${z.prettifyError(r.error)}`);
  return r.data;
};

/**
 * Declares a counter of the job's own (list it in `defineJob({ metrics })`). Each series carries
 * `job_name` too.
 *
 * @example
 * export const skipped = counter({ name: 'shop_orders_skipped_total', help: 'Orders without a price.', labels: ['region'] });
 * // in a function of the job: skipped.inc({ region: o.region });
 */
export function counter<const L extends string = never>(spec: CounterSpec<L>): JobCounter<L> {
  return new JobCounter<L>({ type: 'counter', ...parse(CounterSpecSchema, spec) });
}

/**
 * Declares a gauge of the job's own; `aggregate` says how the runner combines its threads' values.
 *
 * @example
 * export const open = gauge({ name: 'shop_open_carts', help: 'Carts open now.', aggregate: 'sum' });
 * open.set({}, 12);
 */
export function gauge<const L extends string = never>(spec: GaugeSpec<L>): JobGauge<L> {
  return new JobGauge<L>({ type: 'gauge', ...parse(GaugeSpecSchema, spec) });
}

/**
 * Declares a histogram of the job's own, with its buckets.
 *
 * @example
 * export const basket = histogram({ name: 'shop_basket_items', help: 'Items per basket.', buckets: [1, 2, 5, 10, 20] });
 * basket.observe({}, 3);
 */
export function histogram<const L extends string = never>(spec: HistogramSpec<L>): JobHistogram<L> {
  return new JobHistogram<L>({ type: 'histogram', ...parse(HistogramSpecSchema, spec) });
}
