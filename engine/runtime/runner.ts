/**
 * The runner process: a fixed pool of P worker threads (piscina), each hosting one long-lived group
 * member (member-worker.ts). piscina gives the pool, thread lifecycle and error propagation; it
 * routes nothing, because each member consumes its own partitions: records never cross threads.
 * A failed member restarts with exponential backoff (1 s doubling to 60 s, back to 1 s after a
 * minute of running), counted.
 *
 * With `memberThread: 'main'` the one member runs on this thread instead: what a member reading its
 * input with the Confluent client needs, as that client's addon calls back into the main thread's
 * event loop only (confluent-client.ts).
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { KafkaAdmin } from '../../connectors/kafka/admin.js';
import type { KafkaClientOptions } from '../../connectors/kafka/config.js';
import { evictPreviousMembers, processClientId } from './group-members.js';
import type { FromMember, MemberStart, MemberStats, ToMember } from './protocol.js';
import type { RunnerMonitor } from './runner-monitor.js';

export type RunnerOptions = Omit<MemberStart, 'port' | 'name'> & {
  parallelism: number;
  signal?: AbortSignal;
  log?: (line: string) => void;
  /** Receives metrics, checkpoints and restarts (for the HTTP server). */
  monitor?: RunnerMonitor;
  /** Where members run: worker threads (default), or this thread (parallelism 1 only). */
  memberThread?: 'worker' | 'main';
};

export interface RunnerResult extends MemberStats {
  restarts: number;
}

const WORKER = join(dirname(fileURLToPath(import.meta.url)), 'member-worker.js');
const MAX_BACKOFF_MS = 60_000;
const STABLE_MS = 60_000;

/** The previous process on this state folder, if killed, leaves its groups now (group-members.ts). */
async function evictDeadMembers(kafka: KafkaClientOptions, stateDir: string, log: (line: string) => void): Promise<void> {
  // Connected only when there are groups to look at (none on a first start).
  let admin: KafkaAdmin | undefined;
  try {
    await evictPreviousMembers(stateDir, async () => {
      admin = new KafkaAdmin(kafka);
      await admin.connect();
      return admin;
    }, log);
  } catch (e) {
    // Only a speed-up: without it the group waits for the dead members' session timeout.
    log(`eddy: could not remove the previous process's group members: ${(e as Error).message}`);
  } finally {
    await admin?.disconnect();
  }
}

/**
 * @example
 * await runRunner({ jobModule: 'dist/jobs/content-popularity/job.js', jobOptions: {}, parallelism: 2, … });
 */
export async function runRunner(opts: RunnerOptions): Promise<RunnerResult> {
  const { parallelism, signal, monitor, memberThread = 'worker', log = (l: string) => console.error(l), ...rest } = opts;
  if (memberThread === 'main' && parallelism !== 1) throw new Error('a member on the main thread: parallelism 1 only');
  if (rest.inputClient?.kind === 'confluent' && memberThread !== 'main') throw new Error('a member on the Confluent client runs on the main thread');
  // Not awaited: the member threads start meanwhile (a join that meets the dead members completes
  // as soon as they are removed). Its synchronous part, claiming the state folder, is done here.
  const evicting = evictDeadMembers(rest.kafka, rest.stateDir, log);
  // The members' clients carry this process's token, so the next process can tell them apart.
  const start = { ...rest, kafka: { ...rest.kafka, clientId: processClientId(rest.kafka.clientId) } };
  let pool: Piscina | undefined;
  let runTask: (task: MemberStart) => Promise<MemberStats>;
  if (memberThread === 'main') {
    // Loaded only here: with worker threads this thread need not load the engine at all.
    runTask = (await import('./member-worker.js')).default;
  } else {
    const threads = new Piscina({ filename: WORKER, minThreads: parallelism, maxThreads: parallelism, idleTimeout: Infinity, concurrentTasksPerWorker: 1 });
    runTask = (task) => threads.run(task, { transferList: [task.port as never] }) as Promise<MemberStats>;
    pool = threads;
  }
  const ports: MessagePort[] = [];
  let restarts = 0;
  const totals: MemberStats = { records: 0, deadLettered: 0, outputs: {} };
  const onMessage = (m: FromMember): void => (m.type === 'log' ? log(m.line) : monitor?.onMessage(m));
  const add = (s: MemberStats): void => {
    totals.records += s.records;
    totals.deadLettered += s.deadLettered;
    for (const [k, n] of Object.entries(s.outputs)) totals.outputs[k] = (totals.outputs[k] ?? 0) + n;
  };
  const stopping = (): boolean => signal?.aborted === true;

  const runOne = async (index: number): Promise<void> => {
    for (let backoff = 1_000; !stopping(); backoff = Math.min(backoff * 2, MAX_BACKOFF_MS)) {
      const started = Date.now();
      const channel = new MessageChannel();
      channel.port1.on('message', onMessage);
      ports[index] = channel.port1;
      monitor?.attach(index, channel.port1);
      const task: MemberStart = { ...start, name: `member-${index}`, port: channel.port2 };
      try {
        add(await runTask(task));
        return;
      } catch (e) {
        if (stopping()) return;
        // A member that ran a good while before failing starts the backoff over (Flink's reset).
        if (Date.now() - started >= STABLE_MS) backoff = 1_000;
        restarts += 1;
        monitor?.restarted();
        log(`member-${index} failed (restart ${restarts}, in ${backoff / 1000} s): ${(e as Error).message}`);
        await new Promise((r) => setTimeout(r, backoff));
        if (stopping()) return;
      } finally {
        monitor?.detach(index);
        channel.port1.close();
      }
    }
  };

  const onStop = (): void => {
    const stop: ToMember = { type: 'stop' };
    for (const port of ports) port.postMessage(stop);
  };
  // A stop that came before this point leaves every runOne loop before it starts a member.
  signal?.addEventListener('abort', onStop, { once: true });
  try {
    await Promise.all(Array.from({ length: parallelism }, (_, i) => runOne(i)));
  } finally {
    signal?.removeEventListener('abort', onStop);
    await pool?.destroy();
    await evicting;
  }
  return { restarts, ...totals };
}
