/**
 * What the runner's HTTP server reads: the live members (to collect their metrics), each member's
 * state (for readiness), restarts, crash loops, the checkpoint history and the run's state. The
 * runner feeds it; it never drives the run.
 */
import type { MessagePort } from 'node:worker_threads';
import type { JobMetric } from '../api/job-metrics.js';
import { RunnerMetrics, type MemberMetricsJson } from '../metrics/runner-metrics.js';
import type { FailureInfo } from './member-failure.js';
import type { CheckpointEvent, FromMember, ToMember } from './protocol.js';
import { describePosition, describeStop, type StoppedMember } from './restart-policy.js';

type Reply = Extract<FromMember, { type: 'metrics' | 'savepoint' }>;

const HISTORY = 100;
const COLLECT_TIMEOUT_MS = 2_000;

export type RunState = 'running' | 'stopping' | 'finished' | 'failed';

/**
 * `starting`: its tasks are opening (restoring); `running`: all open; `restarting`: failed, waiting
 * out its backoff; `crash-loop` and `failed` (fatal): not restarted; `ended`: returned (stopped, or
 * bounded and finished).
 */
export type MemberState = 'starting' | 'running' | 'restarting' | 'crash-loop' | 'failed' | 'ended';

export interface MemberStatus {
  member: string;
  state: MemberState;
  /** Since when (epoch ms). */
  since: number;
  /** Its latest failure's error, with where it happened. */
  lastFailure: { error: string; task: string | null; offset: string | null; at: number } | null;
}

export interface RunStatus {
  job: string;
  groupId: string;
  state: RunState;
  startedAt: number;
  parallelism: number;
  restarts: number;
  records: number;
  deadLettered: number;
  checkpoints: { completed: number; failed: number; last: Omit<CheckpointEvent, 'task' | 'outcome'> | null };
  members: MemberStatus[];
  /** Members not restarted: crash loops and fatal failures. */
  crashLoops: StoppedMember[];
}

/** `/readyz`: ready, or why not. */
export interface Readiness {
  ready: boolean;
  reasons: string[];
}

/**
 * @example
 * const monitor = new RunnerMonitor({ job: 'content-popularity', groupId: 'g', parallelism: 2 });
 * await runRunner({ ...opts, monitor });
 */
export class RunnerMonitor {
  readonly metrics: RunnerMetrics;
  state: RunState = 'running';
  readonly startedAt = Date.now();
  readonly #ports = new Map<number, MessagePort>();
  readonly #history: (CheckpointEvent & { id: number })[] = [];
  readonly #pending = new Map<number, (m: Reply) => void>();
  #nextCheckpoint = 1;
  #nextRequest = 1;
  #completed = 0;
  #failed = 0;
  #restarts = 0;
  readonly #members = new Map<number, MemberStatus>();
  /** Members not restarted, in the order they stopped. */
  readonly #stopped = new Map<number, StoppedMember>();

  /** `jobMetrics`: the job's own metrics (JobDefinition.metrics), which its views may update here. */
  constructor(readonly info: { job: string; groupId: string; parallelism: number }, jobMetrics: readonly JobMetric[] = []) {
    this.metrics = new RunnerMetrics(info.job, jobMetrics);
  }

  /** A member (re)started on this port: it is starting until it reports ready. */
  attach(member: number, port: MessagePort): void {
    this.#ports.set(member, port);
    this.#setState(member, 'starting');
  }

  detach(member: number): void {
    this.#ports.delete(member);
  }

  /** The member failed and restarts after its backoff. */
  restarting(member: number, failure: FailureInfo): void {
    this.#restarts += 1;
    this.metrics.restarted();
    this.#recordFailure(member, 'restarting', failure);
  }

  /** The member failed and is not restarted. */
  stopped(member: number, failure: FailureInfo, stop: StoppedMember): void {
    this.#recordFailure(member, stop.reason === 'fatal' ? 'failed' : 'crash-loop', failure);
    this.#stopped.set(member, stop);
    this.metrics.crashLooping(this.#stopped.size);
  }

  /** The member returned: stopped, or its bounded input is done. */
  ended(member: number): void {
    this.#setState(member, 'ended');
  }

  /** Handles what a member posts besides log lines. */
  onMessage(m: FromMember, member: number): void {
    if (m.type === 'metrics' || m.type === 'savepoint') this.#pending.get(m.id)?.(m);
    // A late message of a member that has failed meanwhile changes nothing.
    const state = this.#members.get(member)?.state;
    if (m.type === 'ready' && (state === 'starting' || state === 'running')) this.#setState(member, m.ready ? 'running' : 'starting');
    if (m.type !== 'checkpoint') return;
    const { type: _type, ...event } = m;
    if (event.outcome === 'completed') this.#completed += 1;
    else this.#failed += 1;
    this.#history.push({ id: this.#nextCheckpoint++, ...event });
    if (this.#history.length > HISTORY) this.#history.shift();
  }

  /**
   * Sends a request to every live member and gathers the answers (a member that does not answer
   * within the timeout is left out: the caller decides whether that matters).
   */
  async ask(request: (id: number) => ToMember, timeoutMs: number): Promise<Reply[]> {
    const answers = [...this.#ports.values()].map(
      (port) =>
        new Promise<Reply | undefined>((resolve) => {
          const id = this.#nextRequest++;
          const timer = setTimeout(() => finish(undefined), timeoutMs);
          const finish = (m: Reply | undefined): void => {
            clearTimeout(timer);
            this.#pending.delete(id);
            resolve(m);
          };
          this.#pending.set(id, finish);
          port.postMessage(request(id));
        }),
    );
    return (await Promise.all(answers)).filter((m): m is Reply => m !== undefined);
  }

  /** Every live member's registry. */
  async collect(): Promise<MemberMetricsJson[]> {
    const replies = await this.ask((id) => ({ type: 'collect', id }), COLLECT_TIMEOUT_MS);
    return replies.flatMap((r) => (r.type === 'metrics' ? [r.metrics] : []));
  }

  /** How many members are live (a savepoint needs an answer from each). */
  get members(): number {
    return this.#ports.size;
  }

  async renderMetrics(): Promise<{ contentType: string; body: string }> {
    return this.metrics.render(await this.collect());
  }

  /**
   * Ready when the run is running and every member is attached with all its tasks open; else why
   * not, one reason per member that is not.
   */
  readiness(): Readiness {
    const reasons: string[] = [];
    if (this.state !== 'running') reasons.push(`the run is ${this.state}`);
    for (let i = 0; i < this.info.parallelism; i++) {
      const m = this.#members.get(i);
      const why = m === undefined ? `member-${i} has not started` : notReady(m, this.#stopped.get(i));
      if (why !== undefined) reasons.push(why);
    }
    return { ready: reasons.length === 0, reasons };
  }

  async status(): Promise<RunStatus> {
    const members = await this.collect();
    const sum = (name: string): number => members.flat().filter((m) => m.name === name).reduce((a, m) => a + m.values.reduce((b, v) => b + v.value, 0), 0);
    const last = [...this.#history].reverse().find((c) => c.outcome === 'completed');
    return {
      ...this.info,
      state: this.state,
      startedAt: this.startedAt,
      restarts: this.#restarts,
      records: sum('eddy_source_records_total'),
      deadLettered: sum('eddy_dead_letter_records_total'),
      checkpoints: { completed: this.#completed, failed: this.#failed, last: last ? { completedAt: last.completedAt, durationMs: last.durationMs, sizeBytes: last.sizeBytes } : null },
      members: [...this.#members.keys()].sort((a, b) => a - b).map((i) => ({ ...this.#members.get(i)! })),
      crashLoops: [...this.#stopped.values()],
    };
  }

  /** The newest checkpoints, oldest first. */
  checkpoints(): readonly (CheckpointEvent & { id: number })[] {
    return this.#history;
  }

  #setState(member: number, state: MemberState): void {
    const m = this.#members.get(member);
    if (m?.state === state) return;
    this.#members.set(member, { member: `member-${member}`, state, since: Date.now(), lastFailure: m?.lastFailure ?? null });
  }

  #recordFailure(member: number, state: MemberState, f: FailureInfo): void {
    this.#setState(member, state);
    this.#members.get(member)!.lastFailure = { error: f.error, task: f.position?.task ?? null, offset: f.position?.offset ?? null, at: Date.now() };
  }
}

/** Why a member keeps the runner from being ready; `stop` is set for the members not restarted. */
function notReady(m: MemberStatus, stop: StoppedMember | undefined): string | undefined {
  const f = m.lastFailure;
  switch (m.state) {
    case 'running':
      return undefined;
    case 'starting':
      return `${m.member} is starting: its tasks are not all open yet`;
    case 'restarting':
      return `${m.member} waits to restart after failing ${describePosition(f!.task === null ? null : { task: f!.task, offset: f!.offset })}: ${f!.error.split('\n')[0]}`;
    case 'crash-loop':
    case 'failed':
      return `${m.member} is not restarted: ${describeStop(stop!)}`;
    case 'ended':
      return `${m.member} has ended`;
  }
}
