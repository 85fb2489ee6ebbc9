/**
 * Everything a runner process serves over HTTP, started in one call: the monitor the runner feeds,
 * the job's views (following their output topics) and the server.
 */
import type { KafkaClientOptions } from '../../connectors/kafka/config.js';
import type { BuiltJob } from '../api/job-builder.js';
import type { JobDefinition } from '../api/job-definition.js';
import type { Logger } from '../log/logger.js';
import type { RunnerMetrics } from '../metrics/runner-metrics.js';
import { LatestView, type ViewSpec } from '../views/latest-view.js';
import { ensureJobTopics, type JobLayout } from './job-topics.js';
import type { SavepointManifest } from '../checkpoint/savepoint.js';
import { RunnerMonitor } from './runner-monitor.js';
import { takeSavepoint } from './savepoint-coordinator.js';
import { SavepointControl } from './savepoint-control.js';
import { startRunnerServer } from './runner-server.js';
import { runnerConsoleSetup } from '../console/runner-console-setup.js';
import { Feed } from '../console/sse.js';

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
  /** After a view took in new committed records (`eddy demo` redraws). */
  onViewUpdate?: () => void;
  /** Where the savepoint control and the console log (what goes wrong following their topics). */
  logger: Logger;
}

/**
 * @example
 * const http = await startRunnerHttp({ def, options, job, kafka, groupId, parallelism: 2, host: '127.0.0.1', port: 9464, stop, logger });
 * await runRunner({ ...runnerOptions, monitor: http.monitor });
 * await http.close();
 */
export async function startRunnerHttp(o: RunnerHttpOptions): Promise<{ monitor: RunnerMonitor; url: string; views: string[]; latest: (view: string) => ReadonlyMap<string, unknown>; close: () => Promise<void> }> {
  const monitor = new RunnerMonitor({ job: o.def.name, groupId: o.groupId, parallelism: o.parallelism }, o.def.metrics);
  const views = openViews(o.def.views?.(o.options) ?? [], o.kafka, monitor.metrics, o.maxGroups, o.onViewUpdate);
  let topics: JobLayout | undefined;
  let control: SavepointControl | undefined;
  const web = runnerConsoleSetup({ job: o.job, groupId: o.groupId, kafka: o.kafka, monitor, actions: o.token !== undefined, logger: o.logger, views: views.map((v) => ({ name: v.spec.name, param: v.spec.param, all: () => v.view.all(), feed: v.feed })) });
  const savepoint = async (dir: string, thenStop: boolean): Promise<SavepointManifest> => {
    if (!topics || !control) throw new Error('the runner is still starting');
    const manifest = await takeSavepoint(control, dir, { graph: o.job.graph, stages: topics.stages }, { thenStop });
    web.savepointTaken(dir, manifest);
    return manifest;
  };
  const server = await startRunnerServer({ host: o.host, port: o.port, monitor, views, stop: o.stop, savepoint, console: web.routes, ...(o.token ? { token: o.token } : {}) }).catch((e: Error) => {
    throw new Error(`cannot listen on ${o.host}:${o.port} (${e.message}): choose another --metrics-port (0 = any free port)`);
  });
  const close = async (): Promise<void> => {
    // A view's consumer may be stuck retrying a broker that went away: do not wait on it forever.
    for (const v of views) await Promise.race([v.view.stop().catch(() => undefined), new Promise((r) => setTimeout(r, 5_000).unref())]);
    await control?.close();
    await web.close();
    await server.close();
  };
  try {
    // Views follow output topics, and savepoints talk over the control topic: the job's topics exist first.
    topics = await ensureJobTopics(o.job, o.kafka, o.groupId);
    control = await SavepointControl.start({ kafka: o.kafka, groupId: o.groupId, monitor, stop: o.stop, logger: o.logger });
    for (const v of views) await v.view.start();
    web.followDeadLetters(Object.keys(topics.deadLetterMaxBytes));
  } catch (e) {
    await close();
    throw e;
  }
  return { monitor, url: server.url, views: views.map((v) => v.spec.name), latest: (name) => views.find((v) => v.spec.name === name)?.view.all() ?? new Map(), close };
}

/** The job's views; each batch's changes go to the view's own hook (which may update the job's metrics). */
function openViews(specs: readonly ViewSpec[], kafka: KafkaClientOptions, metrics: RunnerMetrics, maxKeys: number | undefined, onViewUpdate: (() => void) | undefined): { spec: ViewSpec; view: LatestView<unknown>; feed: Feed<unknown[]> }[] {
  return specs.map((spec) => {
    const feed = new Feed<unknown[]>(); // the console's server push
    metrics.viewUpdated(spec.name, { evicted: [], records: 0 });
    const view: LatestView<unknown> = new LatestView({
      ...spec,
      kafka,
      maxKeys,
      onUpdate: (keys, leftOut) => {
        metrics.viewUpdated(spec.name, leftOut);
        spec.onChange?.(keys.map((k) => view.latest(k)!), leftOut.evicted);
        if (keys.length > 0) {
          feed.publish(keys.map((k) => view.latest(k)!));
          onViewUpdate?.();
        }
      },
    });
    return { spec, view, feed };
  });
}
