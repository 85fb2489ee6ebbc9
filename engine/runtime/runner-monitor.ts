/**
 * What the runner's HTTP server reads: the live members (to collect their metrics), restarts, the
 * checkpoint history and the run's state. The runner feeds it; it never drives the run.
 */
import type { MessagePort } from 'node:worker_threads';
import { RunnerMetrics, type MemberMetricsJson } from '../metrics/runner-metrics.js';
import type { CheckpointEvent, FromMember, ToMember } from './protocol.js';

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
  readonly #pending = new Map<number, (m: MemberMetricsJson) => void>();
  #nextCheckpoint = 1;
  #nextCollect = 1;
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
    if (m.type === 'metrics') this.#pending.get(m.id)?.(m.metrics);
    if (m.type !== 'checkpoint') return;
    const { type: _type, ...event } = m;
    if (event.outcome === 'completed') this.#completed += 1;
    else this.#failed += 1;
    this.#history.push({ id: this.#nextCheckpoint++, ...event });
    if (this.#history.length > HISTORY) this.#history.shift();
  }

  /** Every live member's registry (a member that does not answer in time is left out). */
  async collect(): Promise<MemberMetricsJson[]> {
    const answers = [...this.#ports.values()].map(
      (port) =>
        new Promise<MemberMetricsJson | undefined>((resolve) => {
          const id = this.#nextCollect++;
          const timer = setTimeout(() => finish(undefined), COLLECT_TIMEOUT_MS);
          const finish = (m: MemberMetricsJson | undefined): void => {
            clearTimeout(timer);
            this.#pending.delete(id);
            resolve(m);
          };
          this.#pending.set(id, finish);
          port.postMessage({ type: 'collect', id } satisfies ToMember);
        }),
    );
    return (await Promise.all(answers)).filter((m): m is MemberMetricsJson => m !== undefined);
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
