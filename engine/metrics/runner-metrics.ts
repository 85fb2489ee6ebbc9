/**
 * The runner's side of metrics: its own registry (process metrics, restarts, input rate, the
 * trending gauge) plus the sum of every member's registry, rendered at scrape time. prom-client has
 * no worker_threads aggregation, so members answer a collect message with their registry as JSON and
 * `AggregatorRegistry.aggregate` sums them (the approach of prom-client's cluster support).
 */
import type { Counter, Gauge} from 'prom-client';
import { AggregatorRegistry, Registry, collectDefaultMetrics, type MetricObjectWithValues, type MetricValue } from 'prom-client';
import type { LeftOut, ViewRanking } from '../views/latest-view.js';
import { catalogMetric } from './member-metrics.js';
import { METRICS, PROCESS_METRICS_PREFIX } from './metrics-catalog.js';

export type MemberMetricsJson = MetricObjectWithValues<MetricValue<string>>[];


/**
 * @example
 * const m = new RunnerMetrics('content-popularity');
 * const text = await m.render([await member.collect()]);
 */
export class RunnerMetrics {
  readonly #registry = new Registry();
  readonly #restarts: Counter;
  readonly #crashLooping: Gauge;
  readonly #rate: Gauge;
  readonly #trending: Gauge;
  readonly #viewLeftOut: Counter;
  readonly #job: string;
  /** The trending series set per group, to remove when a newer ranking replaces them. */
  readonly #series = new Map<string, Record<string, string>[]>();
  #last: { at: number; total: number } | undefined;
  #perSecond = 0;

  constructor(job: string) {
    this.#job = job;
    collectDefaultMetrics({ register: this.#registry, prefix: PROCESS_METRICS_PREFIX, labels: { job } });
    // prom-client names three gauges *_total, which promtool reserves for counters; Eddy leaves them
    // out (eddy_nodejs_active_handles etc. carry the same values).
    for (const n of ['handles', 'requests', 'resources']) this.#registry.removeSingleMetric(`${PROCESS_METRICS_PREFIX}nodejs_active_${n}_total`);
    const spec = (name: string) => METRICS.find((m) => m.name === name)!;
    this.#restarts = catalogMetric(spec('eddy_restarts_total'), this.#registry) as Counter;
    this.#rate = catalogMetric(spec('eddy_records_per_second'), this.#registry) as Gauge;
    this.#trending = catalogMetric(spec('eddy_trending_views'), this.#registry) as Gauge;
    this.#viewLeftOut = catalogMetric(spec('eddy_view_records_left_out_total'), this.#registry) as Counter;
    this.#crashLooping = catalogMetric(spec('eddy_crash_looping_members'), this.#registry) as Gauge;
    this.#restarts.inc({ job }, 0);
    this.#crashLooping.set({ job }, 0);
    this.#rate.set({ job }, 0);
  }

  restarted(): void {
    this.#restarts.inc({ job: this.#job });
  }

  /** How many members are not restarted (crash loops, fatal failures). */
  crashLooping(members: number): void {
    this.#crashLooping.set({ job: this.#job }, members);
  }

  /**
   * A view took a batch: the rankings of the groups it changed (its keys) replace their trending
   * series, and the groups it let go lose theirs, so the series stay as bounded as the view's keys;
   * what it left out is counted. With nothing changed, it registers the view's counter at 0.
   */
  viewUpdated(view: string, rankings: readonly ViewRanking[], leftOut: LeftOut): void {
    this.#viewLeftOut.inc({ job: this.#job, view }, leftOut.records);
    for (const group of leftOut.evicted) {
      for (const old of this.#series.get(group) ?? []) this.#trending.remove(old);
      this.#series.delete(group);
    }
    for (const s of rankings) {
      for (const old of this.#series.get(s.group) ?? []) this.#trending.remove(old);
      const series = s.entries.map((e) => ({ job: this.#job, category: s.group, rank: String(e.rank), content_id: e.id }));
      s.entries.forEach((e, i) => this.#trending.set(series[i]!, e.score));
      this.#series.set(s.group, series);
    }
  }

  /** The Prometheus text of the runner and all members. */
  async render(members: readonly MemberMetricsJson[]): Promise<{ contentType: string; body: string }> {
    this.#updateRate(members);
    const summed = AggregatorRegistry.aggregate(members as MemberMetricsJson[]) as Registry;
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
    this.#rate.set({ job: this.#job }, this.#perSecond);
  }
}
