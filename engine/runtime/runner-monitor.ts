/**
 * What the runner's HTTP server reads: the live members (to collect their metrics), restarts, the
 * checkpoint history and the run's state. The runner feeds it; it never drives the run.
 */
import type { MessagePort } from 'node:worker_threads';
import { RunnerMetrics, type MemberMetricsJson } from '../metrics/runner-metrics.js';
import type { CheckpointEvent, FromMember, ToMember } from './protocol.js';

type Reply = Extract<FromMember, { type: 'metrics' | 'savepoint' }>;

const HISTORY = 100;
const COLLECT_TIMEOUT_MS = 2_000;

export type RunState = 'running' | 'stopping' | 'finished' | 'failed';

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

  constructor(readonly info: { job: string; groupId: string; parallelism: number }) {
    this.metrics = new RunnerMetrics(info.job);
  }

  attach(member: number, port: MessagePort): void {
    this.#ports.set(member, port);
  }

  detach(member: number): void {
    this.#ports.delete(member);
  }

  restarted(): void {
    this.#restarts += 1;
    this.metrics.restarted();
  }

  /** Handles what a member posts besides log lines. */
  onMessage(m: FromMember): void {
    if (m.type === 'metrics' || m.type === 'savepoint') this.#pending.get(m.id)?.(m);
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
    };
  }

  /** The newest checkpoints, oldest first. */
  checkpoints(): readonly (CheckpointEvent & { id: number })[] {
    return this.#history;
  }
}
