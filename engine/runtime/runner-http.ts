/**
 * Everything a runner process serves over HTTP, started in one call: the monitor the runner feeds,
 * the job's views (following their output topics) and the server.
 */
import type { KafkaClientOptions } from '../../connectors/kafka/config.js';
import type { BuiltJob } from '../api/job-builder.js';
import type { JobDefinition } from '../api/job-definition.js';
import type { RunnerMetrics } from '../metrics/runner-metrics.js';
import { LatestView, type ViewSpec } from '../views/latest-view.js';
import { ensureJobTopics, type JobLayout } from './job-topics.js';
import type { SavepointManifest } from '../checkpoint/savepoint.js';
import { RunnerMonitor } from './runner-monitor.js';
import { takeSavepoint } from './savepoint-coordinator.js';
import { SavepointControl } from './savepoint-control.js';
import { startRunnerServer } from './runner-server.js';

export interface RunnerHttpOptions {
  def: JobDefinition;
  /** The job's options, parsed by its schema. */
  options: unknown;
  job: BuiltJob;
  kafka: KafkaClientOptions;
  groupId: string;
  parallelism: number;
  host: string;
  port: number;
  /** What `POST /v1/stop` does. */
  stop: () => void;
  token?: string;
  /** Keys each view holds at most, and so trending categories (`--max-groups`; default 1,000). */
  maxGroups?: number;
}

/**
 * @example
 * const http = await startRunnerHttp({ def, options, job, kafka, groupId, parallelism: 2, host: '127.0.0.1', port: 9464, stop });
 * await runRunner({ ...runnerOptions, monitor: http.monitor });
 * await http.close();
 */
export async function startRunnerHttp(o: RunnerHttpOptions): Promise<{ monitor: RunnerMonitor; url: string; views: string[]; close: () => Promise<void> }> {
  const monitor = new RunnerMonitor({ job: o.def.name, groupId: o.groupId, parallelism: o.parallelism });
  const views = openViews(o.def.views?.(o.options) ?? [], o.kafka, monitor.metrics, o.maxGroups);
  let topics: JobLayout | undefined;
  let control: SavepointControl | undefined;
  const savepoint = async (dir: string, thenStop: boolean): Promise<SavepointManifest> => {
    if (!topics || !control) throw new Error('the runner is still starting');
    return takeSavepoint(control, dir, { graph: o.job.graph, stages: topics.stages }, { thenStop });
  };
  const server = await startRunnerServer({ host: o.host, port: o.port, monitor, views, stop: o.stop, savepoint, ...(o.token ? { token: o.token } : {}) }).catch((e: Error) => {
    throw new Error(`cannot listen on ${o.host}:${o.port} (${e.message}): choose another --metrics-port (0 = any free port)`);
  });
  const close = async (): Promise<void> => {
    // A view's consumer may be stuck retrying a broker that went away: do not wait on it forever.
    for (const v of views) await Promise.race([v.view.stop().catch(() => undefined), new Promise((r) => setTimeout(r, 5_000).unref())]);
    await control?.close();
    await server.close();
  };
  try {
    // Views follow output topics, and savepoints talk over the control topic: the job's topics exist first.
    topics = await ensureJobTopics(o.job, o.kafka, o.groupId);
    control = await SavepointControl.start({ kafka: o.kafka, groupId: o.groupId, monitor, stop: o.stop, log: (line) => console.error(line) });
    for (const v of views) await v.view.start();
  } catch (e) {
    await close();
    throw e;
  }
  return { monitor, url: server.url, views: views.map((v) => v.spec.name), close };
}

/** The job's views; rankings feed the trending gauge. */
function openViews(specs: readonly ViewSpec[], kafka: KafkaClientOptions, metrics: RunnerMetrics, maxKeys: number | undefined): { spec: ViewSpec; view: LatestView<unknown> }[] {
  return specs.map((spec) => {
    metrics.viewUpdated(spec.name, [], { evicted: [], records: 0 });
    const view: LatestView<unknown> = new LatestView({
      ...spec,
      kafka,
      maxKeys,
      onUpdate: (keys, leftOut) => metrics.viewUpdated(spec.name, spec.ranking ? keys.map((k) => spec.ranking!(view.latest(k))) : [], leftOut),
    });
    return { spec, view };
  });
}
