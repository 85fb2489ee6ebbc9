/**
 * The entry of a member thread (a long-lived piscina task): loads the job by path, runs one group
 * member until the runner says stop or, bounded, until the job has finished. Answers the runner's
 * metric collections from the member's own registry. A failure comes back as the task's result
 * (MemberOutcome), described by failureInfo while the error still has its marks.
 */
import { isMainThread } from 'node:worker_threads';
import { buildJob, loadJob } from '../api/job-definition.js';
import { Logger } from '../log/logger.js';
import { setThreadLogger } from '../log/thread-logger.js';
import { threadJobMetrics, type JobMetricsRegistry } from '../metrics/job-metrics-registry.js';
import { MemberMetrics } from '../metrics/member-metrics.js';
import { failureInfo } from './member-failure.js';
import { MemberCleanupTimeout, runMember } from './member.js';
import type { FromMember, MemberOutcome, MemberStart, SavepointPhase, SavepointReply, ToMember } from './protocol.js';

/**
 * This thread's metrics, kept across the member restarts it hosts: its counters go on from where they
 * were, so the runner's sums never fall back (a fall reads as a counter reset and a spike to rate()).
 */
let threadMetrics: MemberMetrics | undefined;

export default async function memberWorker(start: MemberStart): Promise<MemberOutcome> {
  const { port } = start;
  const abort = new AbortController();
  const post = (m: FromMember): void => port.postMessage(m);
  // Records cross as plain data, filtered here already; the runner writes them.
  const logger = new Logger((record) => post({ type: 'log', record }), start.logLevel, { member: start.name });
  // kafkajs and the job's metrics registry log through the thread's logger: in a member thread, the
  // member's. A member on the runner's own thread leaves the runner's in place.
  if (!isMainThread) setThreadLogger(logger);
  let metrics: MemberMetrics | undefined;
  let jobMetrics: JobMetricsRegistry | undefined;
  // On the main thread (the Confluent client's member) the runner collects the job's metrics itself.
  const collect = async (): Promise<Awaited<ReturnType<MemberMetrics['collect']>>> => [
    ...((await metrics?.collect()) ?? []),
    ...((isMainThread ? undefined : await jobMetrics?.collect()) ?? []),
  ];
  let savepoints: ((p: SavepointPhase) => Promise<SavepointReply>) | undefined;
  /** Joins waiting for the runner's word, by group. */
  const joins = new Map<string, (members: readonly string[]) => void>();
  const joinGate = (group: string, memberId: string): Promise<readonly string[]> =>
    new Promise((resolve) => {
      joins.set(group, resolve);
      post({ type: 'joining', group, memberId });
    });
  let finishedElsewhere = (): void => undefined;
  const finished = new Promise<void>((resolve) => (finishedElsewhere = resolve));
  port.on('message', (m: ToMember) => {
    if (m.type === 'stop') abort.abort();
    else if (m.type === 'join') joins.get(m.group)?.(m.members);
    else if (m.type === 'finished') finishedElsewhere();
    else if (m.type === 'collect') void collect().then((json) => post({ type: 'metrics', id: m.id, metrics: json }));
    else {
      const { type: _t, id, ...phase } = m;
      const run = savepoints ? savepoints(phase) : Promise.reject(new Error('the member is still starting'));
      void run.then(
        (reply) => post({ type: 'savepoint', id, reply }),
        (e: unknown) => post({ type: 'savepoint', id, error: (e as Error).message }),
      );
    }
  });
  try {
    const { jobModule, jobOptions, logLevel: _level, port: _port, ...member } = start;
    const def = await loadJob(jobModule);
    metrics = threadMetrics = threadMetrics?.job === def.name ? threadMetrics.restarted() : new MemberMetrics(def.name);
    jobMetrics = threadJobMetrics(def.name, def.metrics ?? []);
    const stats = await runMember({
      ...member,
      job: buildJob(def, jobOptions),
      logger,
      signal: abort.signal,
      metrics,
      onCheckpoint: (event) => post({ type: 'checkpoint', ...event }),
      onSavepointControl: (handler) => (savepoints = handler),
      onReady: (ready) => post({ type: 'ready', ready }),
      joinGate,
      ...(start.bounded ? { onFinished: () => post({ type: 'finished' }), finishedElsewhere: finished } : {}),
    });
    return { ok: true, stats };
  } catch (e) {
    const failure = failureInfo(e);
    // Posted too, before the port closes (below): a thread ended here may be gone before piscina
    // hands its result over, and then the runner reads this message instead.
    post({ type: 'failed', ...failure });
    // Clients stuck on a vanished broker live in this thread: end the thread (piscina starts a new
    // one for the restart) instead of leaving them to rejoin the group half-alive. A member on the
    // runner's own thread (the Confluent client's) cannot, and fails as it is.
    if (e instanceof MemberCleanupTimeout && !isMainThread) setImmediate(() => process.exit(1));
    return { ok: false, failure };
  } finally {
    port.close();
  }
}
