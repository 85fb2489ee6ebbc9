/**
 * The runner's restart decision for a failed member, kept free of threads and timers so that it can
 * be tested alone. A member that fails again and again at the same input position makes no
 * progress however often it restarts (a poison record, a bug at one offset): after `limit` such
 * failures it is left stopped, a *crash loop*, instead of retrying forever while nothing says so.
 * Failures are counted per (task, committed offset, error), or per error for failures outside any
 * task, across all members of the runner, since a poison partition moves from member to member.
 * Transient failures (the broker is away) say nothing about the input and never count; fatal ones
 * stop at once. Restarts wait with exponential backoff per member, as Flink's restart strategy does.
 */
import type { FailureInfo, FailurePosition } from './member-failure.js';

export interface RestartPolicyOptions {
  /** Failures at one position after which the member is not restarted (`eddy run --restart-limit`). */
  limit: number;
  /** The first restart's delay, doubled after each failure (default 1 s). */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /**
   * A member that had been ready this long when it failed was making progress: its backoff starts
   * over, and so does the count at its position (an idle partition's offset stays put for hours).
   */
  stableMs?: number;
}

/** One failure of one member, as the runner saw it. */
export interface MemberRun {
  member: number;
  /** How long the member had been ready (its tasks open) when it failed; 0 if it never was. */
  readyMs: number;
  /** When the failure reached the runner (epoch ms). */
  now: number;
}

export type RestartDecision =
  | { restart: true; delayMs: number; failures: number }
  /** `failures` at this position since `since` (epoch ms of the first). */
  | { restart: false; reason: 'crash-loop' | 'fatal'; failures: number; since: number };

/** A member the runner does not restart, as `/v1/status` lists it. */
export interface StoppedMember {
  member: string;
  reason: 'crash-loop' | 'fatal';
  /** The task it failed in (`partition:3`); null for a failure outside any task. */
  task: string | null;
  /** The task's committed input offset (null: none yet, or no task). */
  offset: string | null;
  error: string;
  failures: number;
  since: number;
}

interface Count {
  offset: string | null;
  /** Error message → failures and the first one's time. */
  errors: Map<string, { failures: number; since: number }>;
}

/** Outside any task: counted under this key, by error message alone. */
const NO_TASK = '';

/**
 * @example
 * const policy = new RestartPolicy({ limit: 5 });
 * const d = policy.decide(failureInfo(e), { member: 0, readyMs: 0, now: Date.now() });
 * if (d.restart) await sleep(d.delayMs);
 */
export class RestartPolicy {
  readonly #limit: number;
  readonly #initialMs: number;
  readonly #maxMs: number;
  readonly #stableMs: number;
  /** Per task, the failures at its latest failing offset (an older offset is progress made since). */
  readonly #counts = new Map<string, Count>();
  /** Each member's next backoff. */
  readonly #backoff = new Map<number, number>();

  constructor(o: RestartPolicyOptions) {
    if (!Number.isInteger(o.limit) || o.limit < 1) throw new Error(`restart limit ${o.limit}: expected an integer of at least 1`);
    this.#limit = o.limit;
    this.#initialMs = o.initialBackoffMs ?? 1_000;
    this.#maxMs = o.maxBackoffMs ?? 60_000;
    this.#stableMs = o.stableMs ?? 60_000;
  }

  decide(failure: FailureInfo, run: MemberRun): RestartDecision {
    const stable = run.readyMs >= this.#stableMs;
    if (failure.fatal) return { restart: false, reason: 'fatal', failures: 1, since: run.now };
    const delayMs = stable ? this.#initialMs : (this.#backoff.get(run.member) ?? this.#initialMs);
    this.#backoff.set(run.member, Math.min(delayMs * 2, this.#maxMs));
    if (failure.transient) return { restart: true, delayMs, failures: 0 };

    const task = failure.position?.task ?? NO_TASK;
    const offset = failure.position?.offset ?? null;
    let count = this.#counts.get(task);
    if (!count || count.offset !== offset || stable) this.#counts.set(task, (count = { offset, errors: new Map() }));
    const seen = count.errors.get(failure.error);
    const now = { failures: (seen?.failures ?? 0) + 1, since: seen?.since ?? run.now };
    count.errors.set(failure.error, now);
    if (now.failures >= this.#limit) return { restart: false, reason: 'crash-loop', ...now };
    return { restart: true, delayMs, failures: now.failures };
  }
}

/** `at partition:3, offset 1200`, `at partition:3, nothing committed yet` or `outside any task`. */
export function describePosition(position: FailurePosition | null): string {
  if (!position) return 'outside any task';
  return `at ${position.task}, ${position.offset === null ? 'nothing committed yet' : `offset ${position.offset}`}`;
}

/**
 * One line on a stopped member: `crash loop: failed 5 times at partition:3, offset 1200: boom`
 * (the error's first line, so that it fits a log line and `eddy run`'s one-line reason).
 */
export function describeStop(s: StoppedMember): string {
  const at = describePosition(s.task === null ? null : { task: s.task, offset: s.offset });
  const error = s.error.split('\n')[0]!.slice(0, 500);
  return s.reason === 'fatal' ? `fatal failure ${at}: ${error}` : `crash loop: failed ${s.failures} times ${at}: ${error}`;
}
