/**
 * The runner's side of metrics: its own registry (process metrics, build info, restarts, input
 * rate, views) plus the sum of every member's registry and of the job's own metrics in every thread,
 * rendered at scrape time. prom-client has no worker_threads aggregation, so members answer a collect
 * message with their registries as JSON and `AggregatorRegistry.aggregate` sums them (the approach of
 * prom-client's cluster support); the main thread's registry of the job's own metrics (fed by views)
 * is summed with them.
 */
import type { Counter, Gauge } from 'prom-client';
import { AggregatorRegistry, Registry, collectDefaultMetrics, type MetricObjectWithValues, type MetricValue } from 'prom-client';
import type { JobMetric } from '../api/job-metrics.js';
import type { LeftOut } from '../views/latest-view.js';
import { eddyVersion } from './build-info.js';
import { threadJobMetrics, type JobMetricsRegistry } from './job-metrics-registry.js';
import { catalogMetric } from './member-metrics.js';
import { METRICS, PROCESS_METRICS_PREFIX } from './metrics-catalog.js';

export type MemberMetricsJson = MetricObjectWithValues<MetricValue<string>>[];


/**
 * @example
 * const m = new RunnerMetrics('content-popularity', def.metrics);
 * const text = await m.render([await member.collect()]);
 */
export class RunnerMetrics {
  readonly #registry = new Registry();
  readonly #restarts: Counter;
  readonly #crashLooping: Gauge;
  readonly #rate: Gauge;
  readonly #viewLeftOut: Counter;
  readonly #job: string;
  readonly #jobMetrics: JobMetricsRegistry;
  #last: { at: number; total: number } | undefined;
  #perSecond = 0;

  /** `declared`: the job's own metrics, bound in this thread for the job's views to update. */
  constructor(job: string, declared: readonly JobMetric[] = []) {
    this.#job = job;
    this.#jobMetrics = threadJobMetrics(job, declared);
    collectDefaultMetrics({ register: this.#registry, prefix: PROCESS_METRICS_PREFIX, labels: { job_name: job } });
    // prom-client names three gauges *_total, which promtool reserves for counters; Eddy leaves them
    // out (eddy_nodejs_active_handles etc. carry the same values).
    for (const n of ['handles', 'requests', 'resources']) this.#registry.removeSingleMetric(`${PROCESS_METRICS_PREFIX}nodejs_active_${n}_total`);
    const spec = (name: string) => METRICS.find((m) => m.name === name)!;
    this.#restarts = catalogMetric(spec('eddy_restarts_total'), this.#registry) as Counter;
    this.#rate = catalogMetric(spec('eddy_records_per_second'), this.#registry) as Gauge;
    const build = catalogMetric(spec('eddy_build_info'), this.#registry) as Gauge;
    build.set({ job_name: job, version: eddyVersion(), node_version: process.versions.node }, 1);
    this.#viewLeftOut = catalogMetric(spec('eddy_view_records_left_out_total'), this.#registry) as Counter;
    this.#crashLooping = catalogMetric(spec('eddy_crash_looping_members'), this.#registry) as Gauge;
    this.#restarts.inc({ job_name: job }, 0);
    this.#crashLooping.set({ job_name: job }, 0);
    this.#rate.set({ job_name: job }, 0);
  }

  restarted(): void {
    this.#restarts.inc({ job_name: this.#job });
  }

  /** How many members are not restarted (crash loops, fatal failures). */
  crashLooping(members: number): void {
    this.#crashLooping.set({ job_name: this.#job }, members);
  }

  /** A view took a batch: what it left out to stay within --max-groups keys is counted (0 registers the series). */
  viewUpdated(view: string, leftOut: LeftOut): void {
    this.#viewLeftOut.inc({ job_name: this.#job, view }, leftOut.records);
  }

  /** The Prometheus text of the runner and all members. */
  async render(members: readonly MemberMetricsJson[]): Promise<{ contentType: string; body: string }> {
    this.#updateRate(members);
    const summed = AggregatorRegistry.aggregate([...members, await this.#jobMetrics.collect()]) as Registry;
    const all = Registry.merge([summed, this.#registry]);
    return { contentType: all.contentType, body: await all.metrics() };
  }

  #updateRate(members: readonly MemberMetricsJson[]): void {
    let total = 0;
    for (const m of members.flat()) if (m.name === 'eddy_source_records_total') for (const v of m.values) total += v.value;
    const now = Date.now();
    if (!this.#last) this.#last = { at: now, total };
    else if (now - this.#last.at >= 1_000) {
      // A restarted member starts counting from zero again: no negative rates.
      this.#perSecond = Math.max(0, (total - this.#last.total) / ((now - this.#last.at) / 1000));
      this.#last = { at: now, total };
    }
    this.#rate.set({ job_name: this.#job }, this.#perSecond);
  }
}
