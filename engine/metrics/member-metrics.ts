/**
 * The metrics of one member (worker thread): a prom-client registry holding the catalog's
 * `member` metrics. The runner collects every member's registry as JSON and sums them
 * (runner-metrics.ts), so each thread only counts its own work. Hot paths increment bound children
 * by batch size, never per record.
 */
import { Counter, Gauge, Histogram, Registry, type MetricObjectWithValues, type MetricValue } from 'prom-client';
import { DEAD_LETTER_REASONS, type DeadLetterReason } from '../../connectors/kafka/dead-letter.js';
import { METRICS, type MetricName, type MetricSpec } from './metrics-catalog.js';

type Metric = Counter | Gauge | Histogram;

const RECORDS = { in: 'eddy_records_in_total', out: 'eddy_records_out_total', late: 'eddy_late_records_total' } as const;

/** Builds a catalog metric into a registry. */
export function catalogMetric(spec: MetricSpec, registry: Registry): Metric {
  const config = { name: spec.name, help: spec.help, labelNames: [...spec.labels], registers: [registry] };
  if (spec.type === 'counter') return new Counter(config);
  if (spec.type === 'gauge') return new Gauge(config);
  return new Histogram({ ...config, buckets: [...(spec.buckets ?? [])] });
}

/** Counts records per operator: what the executor and operators report to. */
export interface OperatorMeter {
  records(operator: string, kind: 'in' | 'out' | 'late', n: number): void;
  /** Registers an operator's record counters at 0 (`late`: for operators with a late output). */
  operator?(operator: string, kinds: readonly ('in' | 'out' | 'late')[]): void;
  /** Top-K groups a task left out over `--max-groups` (0 registers the series). */
  groupsDropped(operator: string, n: number): void;
  /** The watermark closed `n` windows of an operator now: timed until the task's next commit. */
  windowsClosed?(operator: string, n: number): void;
}

/**
 * @example
 * const m = new MemberMetrics('content-popularity');
 * m.sourceRecords(3, 500);
 * const json = await m.collect(); // posted to the runner, which sums all members
 */
export class MemberMetrics implements OperatorMeter {
  readonly #registry = new Registry();
  readonly #m = new Map<string, Metric>();
  readonly #watermarks = new Map<string, number>();
  /** Per task: windows closed since its last commit, and when. */
  readonly #closed = new Map<string, { operator: string; at: number; n: number }[]>();
  readonly #job: string;

  constructor(job: string) {
    this.#job = job;
    for (const spec of METRICS) if (spec.scope === 'member') this.#m.set(spec.name, catalogMetric(spec, this.#registry));
    // Watermark lag moves with the wall clock: computed when collected.
    const lag = this.#gauge('eddy_watermark_lag_seconds');
    this.#beforeCollect = () => {
      const now = Date.now();
      for (const [partition, wm] of this.#watermarks) lag.set({ job_name: job, partition }, (now - wm) / 1000);
    };
    this.#counter('eddy_checkpoints_total').inc({ job_name: job, outcome: 'completed' }, 0);
    this.#counter('eddy_checkpoints_total').inc({ job_name: job, outcome: 'failed' }, 0);
    for (const reason of DEAD_LETTER_REASONS) this.#counter('eddy_dead_letter_records_total').inc({ job_name: job, reason }, 0);
    this.#counter('eddy_busy_seconds_total').inc({ job_name: job }, 0);
    this.#counter('eddy_backpressure_seconds_total').inc({ job_name: job }, 0);
  }

  readonly #beforeCollect: () => void;

  get job(): string {
    return this.#job;
  }

  records(operator: string, kind: 'in' | 'out' | 'late', n: number): void {
    if (n === 0) return;
    this.#counter(RECORDS[kind]).inc({ job_name: this.#job, operator }, n);
  }

  operator(operator: string, kinds: readonly ('in' | 'out' | 'late')[]): void {
    for (const kind of kinds) this.#counter(RECORDS[kind]).inc({ job_name: this.#job, operator }, 0);
  }

  /** The meter of one task: what the task's windows close is timed until that task commits. */
  forTask(task: string): OperatorMeter {
    return {
      records: (operator, kind, n) => this.records(operator, kind, n),
      operator: (operator, kinds) => this.operator(operator, kinds),
      groupsDropped: (operator, n) => this.groupsDropped(operator, n),
      windowsClosed: (operator, n) => {
        let pending = this.#closed.get(task);
        if (!pending) this.#closed.set(task, (pending = []));
        pending.push({ operator, at: Date.now(), n });
      },
    };
  }

  groupsDropped(operator: string, n: number): void {
    this.#counter('eddy_topk_groups_dropped_total').inc({ job_name: this.#job, operator }, n);
  }

  sourceRecords(partition: string, n: number): void {
    this.#counter('eddy_source_records_total').inc({ job_name: this.#job, partition }, n);
  }

  deadLetters(reason: DeadLetterReason, n: number): void {
    if (n > 0) this.#counter('eddy_dead_letter_records_total').inc({ job_name: this.#job, reason }, n);
  }

  lag(partition: string, records: bigint): void {
    this.#gauge('eddy_consumer_lag_records').set({ job_name: this.#job, partition }, Number(records < 0n ? 0n : records));
  }

  watermark(partition: string, watermarkMs: number): void {
    if (!Number.isFinite(watermarkMs)) return;
    this.#watermarks.set(partition, watermarkMs);
    this.#gauge('eddy_watermark_seconds').set({ job_name: this.#job, partition }, watermarkMs / 1000);
  }

  checkpoint(partition: string, outcome: 'completed' | 'failed', durationMs: number, sizeBytes: number): void {
    this.#counter('eddy_checkpoints_total').inc({ job_name: this.#job, outcome });
    const closed = this.#closed.get(partition) ?? [];
    this.#closed.delete(partition);
    // A failed commit fails the member: the windows close again after the restart's replay.
    if (outcome === 'failed') return;
    const now = Date.now();
    const latency = this.#m.get('eddy_window_output_latency_seconds') as Histogram;
    for (const c of closed) for (let i = 0; i < c.n; i++) latency.observe({ job_name: this.#job, operator: c.operator }, (now - c.at) / 1000);
    (this.#m.get('eddy_checkpoint_duration_seconds') as Histogram).observe({ job_name: this.#job }, durationMs / 1000);
    this.#gauge('eddy_checkpoint_size_bytes').set({ job_name: this.#job, partition }, sizeBytes);
    this.#gauge('eddy_last_checkpoint_timestamp_seconds').set({ job_name: this.#job, partition }, Date.now() / 1000);
  }

  restored(partition: string, durationMs: number): void {
    this.#gauge('eddy_restore_duration_seconds').set({ job_name: this.#job, partition }, durationMs / 1000);
  }

  busy(ms: number): void {
    this.#counter('eddy_busy_seconds_total').inc({ job_name: this.#job }, ms / 1000);
  }

  backpressure(ms: number): void {
    this.#counter('eddy_backpressure_seconds_total').inc({ job_name: this.#job }, ms / 1000);
  }

  tasks(n: number): void {
    this.#gauge('eddy_tasks').set({ job_name: this.#job }, n);
  }

  state(partition: string, storedBytes: number): void {
    this.#gauge('eddy_state_size_bytes').set({ job_name: this.#job, partition }, storedBytes);
  }

  rocksDbMemory(bytes: number): void {
    this.#gauge('eddy_rocksdb_memory_bytes').set({ job_name: this.#job }, bytes);
  }

  /**
   * A member starts again in this thread: counters and histograms go on (so sums stay monotonic),
   * what described the tasks of the member that ended goes.
   */
  restarted(): this {
    for (const partition of [...this.#watermarks.keys(), ...this.#closed.keys()]) this.forget(partition);
    for (const spec of METRICS) if (spec.scope === 'member' && spec.type === 'gauge') this.#gauge(spec.name).reset();
    return this;
  }

  /** A task moved away: its per-partition series leave this thread (its new owner reports them). */
  forget(partition: string): void {
    this.#watermarks.delete(partition);
    this.#closed.delete(partition);
    for (const spec of METRICS) {
      if (spec.scope !== 'member' || !(spec.labels as readonly string[]).includes('partition') || spec.type !== 'gauge') continue;
      this.#gauge(spec.name).remove({ job_name: this.#job, partition });
    }
  }

  /** The registry as JSON, for the runner to aggregate. */
  collect(): Promise<MetricObjectWithValues<MetricValue<string>>[]> {
    this.#beforeCollect();
    return this.#registry.getMetricsAsJSON();
  }

  #counter(name: MetricName): Counter {
    return this.#m.get(name) as Counter;
  }

  #gauge(name: MetricName): Gauge {
    return this.#m.get(name) as Gauge;
  }
}
