/**
 * The registry of a job's own metrics (engine/api/job-metrics.ts) in one thread: it builds the
 * declared metrics, each with `job_name` first, binds the job module's handles to them and caps
 * each metric's series at its `maxSeries`, refusing (and counting in
 * `eddy_job_metric_series_refused_total`) what would open one more. One per thread, kept across
 * member restarts in that thread, so the job's counters do not fall back to zero when a member
 * restarts.
 */
import { Counter, Gauge, Histogram, Registry, type MetricObjectWithValues, type MetricValue } from 'prom-client';
import { BIND, type JobMetric, type JobMetricSpec, type MetricSink } from '../api/job-metrics.js';
import type { Logger } from '../log/logger.js';
import { threadLogger } from '../log/thread-logger.js';
import { catalogMetric } from './member-metrics.js';
import { METRICS } from './metrics-catalog.js';

type PromMetric = Counter | Gauge | Histogram;

const REFUSED = METRICS.find((m) => m.name === 'eddy_job_metric_series_refused_total')!;

/**
 * @example
 * const registry = threadJobMetrics('content-popularity', def.metrics ?? []);
 * const json = await registry.collect(); // summed with the members' registries by the runner
 */
export class JobMetricsRegistry {
  readonly #registry = new Registry();
  readonly #refused: Counter;
  readonly #warned = new Set<string>();

  constructor(
    readonly job: string,
    readonly declared: readonly JobMetric[],
    /** Looked up when it logs: the registry outlives the member whose thread logger was current when it was made. */
    private readonly logger: () => Logger = threadLogger,
  ) {
    checkDeclared(declared);
    this.#refused = catalogMetric(REFUSED, this.#registry) as Counter;
    for (const handle of declared) {
      const { spec } = handle;
      const metric = build(spec, this.#registry);
      this.#refused.inc({ job_name: job, metric: spec.name }, 0);
      // An unlabelled counter or histogram has one series, known from the start: it shows 0.
      if (spec.labels.length === 0 && metric instanceof Counter) metric.inc({ job_name: job }, 0);
      if (spec.labels.length === 0 && metric instanceof Histogram) metric.zero({ job_name: job });
      handle[BIND](this.#sink(spec, metric));
    }
  }

  /** The registry as JSON, for the runner to aggregate. */
  collect(): Promise<MetricObjectWithValues<MetricValue<string>>[]> {
    return this.#registry.getMetricsAsJSON();
  }

  /** The handles go back to updating nothing (another job's registry takes this thread). */
  unbind(): void {
    for (const handle of this.declared) handle[BIND](undefined);
  }

  #sink(spec: JobMetricSpec, metric: PromMetric): MetricSink {
    const series = new Set<string>();
    const declared = new Set(spec.labels);
    const withJob = (labels: Readonly<Record<string, string>>): Record<string, string> => {
      const names = Object.keys(labels);
      if (names.length !== declared.size || names.some((n) => !declared.has(n) || typeof labels[n] !== 'string')) {
        throw new TypeError(`metric ${spec.name}: expected string values for exactly the labels [${spec.labels.join(', ')}], got ${JSON.stringify(labels)}`);
      }
      return { job_name: this.job, ...labels };
    };
    const keyOf = (labels: Readonly<Record<string, string>>): string => JSON.stringify(spec.labels.map((l) => labels[l]));
    return {
      update: (op, labels, value) => {
        const full = withJob(labels);
        const key = keyOf(labels);
        if (!series.has(key)) {
          if (series.size >= spec.maxSeries) return this.#refuse(spec);
          series.add(key);
        }
        if (op === 'observe') (metric as Histogram).observe(full, value);
        else if (op === 'set') (metric as Gauge).set(full, value);
        else (metric as Counter | Gauge).inc(full, value);
      },
      remove: (labels) => {
        const key = keyOf(labels);
        if (!series.delete(key)) return;
        metric.remove(withJob(labels));
      },
    };
  }

  #refuse(spec: JobMetricSpec): void {
    this.#refused.inc({ job_name: this.job, metric: spec.name });
    if (this.#warned.has(spec.name)) return;
    this.#warned.add(spec.name);
    this.logger().warn(`metric ${spec.name} has ${spec.maxSeries} series (its maxSeries) in this thread: updates opening more are refused and counted in eddy_job_metric_series_refused_total`);
  }
}

function build(spec: JobMetricSpec, registry: Registry): PromMetric {
  const config = { name: spec.name, help: spec.help, labelNames: ['job_name', ...spec.labels], registers: [registry] };
  if (spec.type === 'counter') return new Counter(config);
  if (spec.type === 'gauge') return new Gauge({ ...config, aggregator: spec.aggregate });
  return new Histogram({ ...config, buckets: [...spec.buckets] });
}

/** Names are unique and none is one of Eddy's own. */
function checkDeclared(declared: readonly JobMetric[]): void {
  const seen = new Set<string>();
  for (const { spec } of declared) {
    if (METRICS.some((m) => m.name === spec.name)) throw new Error(`metric ${spec.name} is one of Eddy's own (docs/metrics.md): choose another name`);
    if (seen.has(spec.name)) throw new Error(`metric ${spec.name} is declared twice`);
    seen.add(spec.name);
  }
}

let current: JobMetricsRegistry | undefined;

/**
 * This thread's registry of the job's own metrics: the one made for the same job and declarations,
 * or a new one (the old one's handles unbound).
 */
export function threadJobMetrics(job: string, declared: readonly JobMetric[]): JobMetricsRegistry {
  if (current && current.job === job && current.declared.length === declared.length && current.declared.every((m, i) => m === declared[i])) return current;
  current?.unbind();
  current = new JobMetricsRegistry(job, declared);
  return current;
}
