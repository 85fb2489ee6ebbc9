/**
 * The runner process: a fixed pool of P worker threads (piscina), each hosting one long-lived group
 * member (member-worker.ts). piscina gives the pool, thread lifecycle and error propagation; it
 * routes nothing, because each member consumes its own partitions: records never cross threads.
 * A failed member restarts with exponential backoff (1 s doubling to 60 s, back to 1 s after a
 * minute of running ready), counted, unless it keeps failing at the same input position or fails
 * fatally (restart-policy.ts): then it stays stopped and is reported. Bounded, that ends the run,
 * since the job cannot finish without its input; unbounded, the other members go on.
 *
 * With `memberThread: 'main'` the one member runs on this thread instead: what a member reading its
 * input with the Confluent client needs, as that client's addon calls back into the main thread's
 * event loop only (confluent-client.ts).
 */
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { KafkaAdmin } from '../../connectors/kafka/admin.js';
import type { KafkaClientOptions } from '../../connectors/kafka/config.js';
import type { Logger } from '../log/logger.js';
import { threadLogger } from '../log/thread-logger.js';
import { claimStateDir, evictPreviousMembers, processClientId } from './group-members.js';
import { JoinBarrier } from './join-barrier.js';
import { failureInfo, type FailureInfo } from './member-failure.js';
import type { FromMember, MemberOutcome, MemberStart, MemberStats, ToMember } from './protocol.js';
import { RestartPolicy, describePosition, describeStop, type StoppedMember } from './restart-policy.js';
import type { RunnerMonitor } from './runner-monitor.js';

export type RunnerOptions = Omit<MemberStart, 'port' | 'name' | 'logLevel'> & {
  parallelism: number;
  signal?: AbortSignal;
  /** Where the runner's and its members' records go, and at what level the members log (default: this thread's logger). */
  logger?: Logger;
  /** Receives metrics, checkpoints, member states, restarts and crash loops (for the HTTP server). */
  monitor?: RunnerMonitor;
  /** Where members run: worker threads (default), or this thread (parallelism 1 only). */
  memberThread?: 'worker' | 'main';
  /** Failures at the same input position after which a member is not restarted (default 5). */
  restartLimit?: number;
};

export interface RunnerResult extends MemberStats {
  restarts: number;
  /** Members not restarted (crash loops, fatal failures), in the order they stopped; bounded, the first ended the run. */
  crashLoops: StoppedMember[];
}

const WORKER = join(dirname(fileURLToPath(import.meta.url)), 'member-worker.js');
export const DEFAULT_RESTART_LIMIT = 5;
/** How long a member whose thread ended before its result came may take to deliver its last messages. */
const LAST_WORDS_MS = 5_000;
/**
 * A member thread's young generation: 32 MiB semi-spaces instead of V8's 16 for a worker. At full
 * speed a member allocates per record while a batch's decoded records, accumulators and pending
 * changelog entries are live: each scavenge copied a few MiB of them again, and garbage collection
 * took a third of the process's CPU. 32 MiB cut a catch-up run's CPU by about a sixth; 64 MiB saved
 * a little more but grew a runner at 20,000 events/min past 200 MB (V8 grows the space to its
 * maximum over a long run at any rate). bench/results/eddy-profile.md, "Young generation".
 */
const MEMBER_YOUNG_GENERATION_MB = 3 * 32;

/** The previous process on this state folder, if killed, leaves its groups now (group-members.ts). */
async function evictDeadMembers(kafka: KafkaClientOptions, stateDir: string, logger: Logger): Promise<void> {
  // Connected only when there are groups to look at (none on a first start).
  let admin: KafkaAdmin | undefined;
  try {
    await evictPreviousMembers(stateDir, async () => {
      admin = new KafkaAdmin(kafka);
      await admin.connect();
      return admin;
    }, logger);
  } catch (e) {
    // Only a speed-up: without it the group waits for the dead members' session timeout.
    logger.warn(`could not remove the previous process's group members: ${(e as Error).message}`);
  } finally {
    await admin?.disconnect();
  }
}

/**
 * @example
 * const result = await runRunner({ jobModule: 'dist/jobs/content-popularity/job.js', jobOptions: {}, parallelism: 2, restartLimit: 5, … });
 * if (result.crashLoops.length > 0) logger.error(describeStop(result.crashLoops[0]));
 */
export async function runRunner(opts: RunnerOptions): Promise<RunnerResult> {
  const { parallelism, signal, monitor, memberThread = 'worker', restartLimit = DEFAULT_RESTART_LIMIT, logger = threadLogger(), ...rest } = opts;
  if (memberThread === 'main' && parallelism !== 1) throw new Error('a member on the main thread: parallelism 1 only');
  if (rest.inputClient?.kind === 'confluent' && memberThread !== 'main') throw new Error('a member on the Confluent client runs on the main thread');
  const policy = new RestartPolicy({ limit: restartLimit });
  // Refused here, not only by `eddy run`: eviction below logs its errors and goes on.
  claimStateDir(rest.stateDir);
  // Not awaited: the member threads start meanwhile (a join that meets the dead members completes
  // as soon as they are removed). Its synchronous part, claiming the state folder, is done here.
  const evicting = evictDeadMembers(rest.kafka, rest.stateDir, logger);
  // The members' clients carry this process's token, so the next process can tell them apart.
  const start = { ...rest, logLevel: logger.level, kafka: { ...rest.kafka, clientId: processClientId(rest.kafka.clientId) } };
  let pool: Piscina | undefined;
  let runTask: (task: MemberStart) => Promise<MemberOutcome>;
  if (memberThread === 'main') {
    // Loaded only here: with worker threads this thread need not load the engine at all.
    runTask = (await import('./member-worker.js')).default;
  } else {
    const threads = new Piscina({
      filename: WORKER, minThreads: parallelism, maxThreads: parallelism, idleTimeout: Infinity, concurrentTasksPerWorker: 1,
      resourceLimits: { maxYoungGenerationSizeMb: MEMBER_YOUNG_GENERATION_MB },
    });
    runTask = (task) => threads.run(task, { transferList: [task.port as never] }) as Promise<MemberOutcome>;
    pool = threads;
  }
  const ports: MessagePort[] = [];
  const joins = new JoinBarrier((member, group, members) => ports[member]?.postMessage({ type: 'join', group, members } satisfies ToMember));
  let restarts = 0;
  const crashLoops: StoppedMember[] = [];
  const totals: MemberStats = { records: 0, deadLettered: 0, outputs: {} };
  const add = (s: MemberStats): void => {
    totals.records += s.records;
    totals.deadLettered += s.deadLettered;
    for (const [k, n] of Object.entries(s.outputs)) totals.outputs[k] = (totals.outputs[k] ?? 0) + n;
  };
  // Ends the run: the caller's signal, or (bounded) a member that is not restarted.
  const halt = new AbortController();
  const stopping = (): boolean => halt.signal.aborted;

  /** One run of a member, to its outcome; `readyMs`: how long it had been ready (0: never). */
  const runMemberOnce = async (index: number): Promise<{ outcome: MemberOutcome; readyMs: number }> => {
    const channel = new MessageChannel();
    let readySince: number | undefined;
    let lastWords: FailureInfo | undefined;
    const closed = new Promise<void>((resolve) => channel.port1.once('close', resolve));
    channel.port1.on('message', (m: FromMember) => {
      if (m.type === 'log') return logger.forward(m.record);
      if (m.type === 'ready') readySince = m.ready ? (readySince ?? Date.now()) : undefined;
      if (m.type === 'joining') joins.arrived(index, m.group, m.memberId);
      if (m.type === 'finished') for (const [i, port] of ports.entries()) if (i !== index) port.postMessage({ type: 'finished' } satisfies ToMember);
      if (m.type === 'failed') {
        const { type: _type, ...failure } = m;
        lastWords = failure;
      }
      monitor?.onMessage(m, index);
    });
    ports[index] = channel.port1;
    monitor?.attach(index, channel.port1);
    joins.started(index);
    try {
      const outcome = await runTask({ ...start, name: `member-${index}`, port: channel.port2 }).catch(async (e: unknown): Promise<MemberOutcome> => {
        // The thread ended before piscina handed its result over (member-worker.ts ends a thread whose
        // clients hang): the failure it posted is delivered before its port's close.
        await Promise.race([closed, sleep(LAST_WORDS_MS, undefined, { ref: false })]);
        return { ok: false, failure: lastWords ?? failureInfo(e) };
      });
      return { outcome, readyMs: readySince === undefined ? 0 : Date.now() - readySince };
    } finally {
      joins.ended(index);
      monitor?.detach(index);
      channel.port1.close();
    }
  };

  const runOne = async (index: number): Promise<void> => {
    const name = `member-${index}`;
    const memberLogger = logger.child({ member: name });
    while (!stopping()) {
      const { outcome, readyMs } = await runMemberOnce(index);
      if (outcome.ok) {
        add(outcome.stats);
        monitor?.ended(index);
        return;
      }
      if (stopping()) return;
      const { failure } = outcome;
      const decision = policy.decide(failure, { member: index, readyMs, now: Date.now() });
      if (!decision.restart) {
        const stop: StoppedMember = { member: name, reason: decision.reason, task: failure.position?.task ?? null, offset: failure.position?.offset ?? null, error: failure.error, failures: decision.failures, since: decision.since };
        crashLoops.push(stop);
        monitor?.stopped(index, failure, stop);
        memberLogger.error(`${describeStop(stop)}; not restarting it`);
        // Bounded, the job cannot finish without this member's partitions: the run ends.
        if (rest.bounded) halt.abort();
        return;
      }
      restarts += 1;
      monitor?.restarting(index, failure);
      const counted = decision.failures > 1 ? `, failure ${decision.failures} of ${restartLimit} ${describePosition(failure.position)}` : '';
      memberLogger.warn(`failed (restart ${restarts}, in ${decision.delayMs / 1000} s${counted}): ${failure.error}`);
      await sleep(decision.delayMs, undefined, { signal: halt.signal }).catch(() => undefined);
    }
  };

  const onStop = (): void => {
    const stop: ToMember = { type: 'stop' };
    for (const port of ports) port.postMessage(stop);
  };
  const onAbort = (): void => halt.abort();
  halt.signal.addEventListener('abort', onStop, { once: true });
  // A stop that came before this point leaves every runOne loop before it starts a member.
  if (signal?.aborted) halt.abort();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    await Promise.all(Array.from({ length: parallelism }, (_, i) => runOne(i)));
    // Unbounded, members that are not restarted stay reported (/v1/status, /readyz) until the
    // runner is stopped, even when no member is left.
    if (!rest.bounded && !stopping()) await new Promise((resolve) => halt.signal.addEventListener('abort', resolve, { once: true }));
  } finally {
    signal?.removeEventListener('abort', onAbort);
    await pool?.destroy();
    await evicting;
  }
  return { restarts, ...totals, crashLoops };
}
