/**
 * Every metric Eddy exports, in one place: the registries are built from this list, docs/metrics.md's
 * catalog and the Grafana dashboards are checked against it. Labels are bounded: job_name (not
 * `job`, which is Prometheus's own target label), operator, partition, outcome, reason, view, metric.
 * A job's own metrics (engine/api/job-metrics.ts) are declared by the job, not here.
 */

export type MetricType = 'counter' | 'gauge' | 'histogram';

/**
 * Where a metric is measured. `member`: in each worker thread (summed across threads at scrape);
 * `runner`: in the runner's main thread; `job-metrics`: beside a job's own metrics, in every thread
 * that runs the job's code (job-metrics-registry.ts).
 */
export type MetricScope = 'member' | 'runner' | 'job-metrics';

export interface MetricSpec {
  name: string;
  type: MetricType;
  help: string;
  labels: readonly string[];
  scope: MetricScope;
  buckets?: readonly number[];
}

const SECONDS_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/**
 * A window's output waits for the task's next commit: the checkpoint interval (1 s to 10 s in
 * practice) plus the commit itself (tens of ms). The low buckets resolve the commit, the middle ones
 * the interval, and the top ones (30 s to 5 min) a commit that stalls, the alert's territory.
 */
const WINDOW_OUTPUT_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300];

export const METRICS = [
  { name: 'eddy_records_in_total', type: 'counter', scope: 'member', labels: ['job_name', 'operator'], help: 'Records that entered an operator.' },
  { name: 'eddy_records_out_total', type: 'counter', scope: 'member', labels: ['job_name', 'operator'], help: 'Records an operator emitted (sinks: records written).' },
  { name: 'eddy_source_records_total', type: 'counter', scope: 'member', labels: ['job_name', 'partition'], help: 'Records read and decoded from each input partition.' },
  { name: 'eddy_records_per_second', type: 'gauge', scope: 'runner', labels: ['job_name'], help: 'Input records per second over the last scrape interval (at least 1 s).' },
  { name: 'eddy_dead_letter_records_total', type: 'counter', scope: 'member', labels: ['job_name', 'reason'], help: 'Records that went to the dead-letter topic, by reason: decode, schema, size, time, user-code (docs/bad-input.md).' },
  { name: 'eddy_late_records_total', type: 'counter', scope: 'member', labels: ['job_name', 'operator'], help: 'Records that arrived after all their windows closed (sent to the late output).' },
  { name: 'eddy_topk_groups_dropped_total', type: 'counter', scope: 'member', labels: ['job_name', 'operator'], help: "Top-K groups left out of a window's rankings over --max-groups: one per window, group and input partition task whose results for that group were left out (the overall group never is)." },
  { name: 'eddy_consumer_lag_records', type: 'gauge', scope: 'member', labels: ['job_name', 'partition'], help: "Records between a partition's high watermark and the task's position." },
  { name: 'eddy_watermark_seconds', type: 'gauge', scope: 'member', labels: ['job_name', 'partition'], help: "A partition task's event-time watermark, in epoch seconds." },
  { name: 'eddy_watermark_lag_seconds', type: 'gauge', scope: 'member', labels: ['job_name', 'partition'], help: "Wall clock minus a partition task's watermark." },
  { name: 'eddy_checkpoints_total', type: 'counter', scope: 'member', labels: ['job_name', 'outcome'], help: 'Checkpoints (task commits: state changelog, outputs and offsets in one transaction) by outcome: completed or failed.' },
  { name: 'eddy_checkpoint_duration_seconds', type: 'histogram', scope: 'member', labels: ['job_name'], help: 'Time a task commit took, from flushing the changelog to the committed transaction.', buckets: SECONDS_BUCKETS },
  { name: 'eddy_checkpoint_size_bytes', type: 'gauge', scope: 'member', labels: ['job_name', 'partition'], help: "Bytes of state changes in a task's last checkpoint." },
  { name: 'eddy_last_checkpoint_timestamp_seconds', type: 'gauge', scope: 'member', labels: ['job_name', 'partition'], help: "When a task's last checkpoint completed, in epoch seconds." },
  { name: 'eddy_restore_duration_seconds', type: 'gauge', scope: 'member', labels: ['job_name', 'partition'], help: 'How long a task took to open: fence, replay the changelog tail, rebuild operators.' },
  { name: 'eddy_restarts_total', type: 'counter', scope: 'runner', labels: ['job_name'], help: 'Worker restarts after a failure.' },
  { name: 'eddy_crash_looping_members', type: 'gauge', scope: 'runner', labels: ['job_name'], help: 'Members this runner no longer restarts: failed --restart-limit times at the same input position (a crash loop), or with a fatal error.' },
  { name: 'eddy_busy_seconds_total', type: 'counter', scope: 'member', labels: ['job_name'], help: 'Time worker threads spent processing records and commits (rate = busy share of one thread).' },
  { name: 'eddy_backpressure_seconds_total', type: 'counter', scope: 'member', labels: ['job_name'], help: 'Time fetched input batches waited for their task (busy with earlier batches or a commit): how long the source was held back.' },
  { name: 'eddy_tasks', type: 'gauge', scope: 'member', labels: ['job_name'], help: 'Tasks (stage partitions) this process owns.' },
  { name: 'eddy_state_size_bytes', type: 'gauge', scope: 'member', labels: ['job_name', 'partition'], help: "Estimated size of a task's keyed state." },
  { name: 'eddy_rocksdb_memory_bytes', type: 'gauge', scope: 'member', labels: ['job_name'], help: 'Memory held by RocksDB memtables across tasks.' },
  { name: 'eddy_window_output_latency_seconds', type: 'histogram', scope: 'member', labels: ['job_name', 'operator'], help: "From a window's close (the watermark passing its end) to the commit of the transaction holding its results, per operator that closes windows.", buckets: WINDOW_OUTPUT_BUCKETS },
  { name: 'eddy_build_info', type: 'gauge', scope: 'runner', labels: ['job_name', 'version', 'node_version'], help: "Always 1: Eddy's version (package.json) and the Node.js version the runner runs on." },
  { name: 'eddy_job_metric_series_refused_total', type: 'counter', scope: 'job-metrics', labels: ['job_name', 'metric'], help: "Updates of a job's own metric refused because they would have opened a series past its maxSeries." },
  { name: 'eddy_view_records_left_out_total', type: 'counter', scope: 'runner', labels: ['job_name', 'view'], help: "Records a runner's view (GET /v1/<view>, and what the job exports from it) did not keep to stay within --max-groups keys: refused, or evicted by newer keys' records." },
] as const satisfies readonly MetricSpec[];

export type MetricName = (typeof METRICS)[number]['name'];

/**
 * Node.js process metrics (prom-client defaults) come with this prefix, from the runner's main
 * thread only: CPU, resident memory, event-loop lag, heap, GC.
 */
export const PROCESS_METRICS_PREFIX = 'eddy_';

/** The process metrics the dashboards and the README rely on (a subset of prom-client's defaults). */
export const PROCESS_METRICS = [
  { name: 'eddy_process_cpu_seconds_total', type: 'counter', labels: ['job_name'], help: 'User and system CPU time of the runner process.' },
  { name: 'eddy_process_resident_memory_bytes', type: 'gauge', labels: ['job_name'], help: 'Resident memory of the runner process.' },
  { name: 'eddy_nodejs_eventloop_lag_seconds', type: 'gauge', labels: ['job_name'], help: "Event-loop lag of the runner's main thread." },
] as const;
