/**
 * Every message between the runner (main thread) and its member threads, in one place. Only plain
 * data crosses: the job is loaded by module path in each thread.
 */
import type { MessagePort } from 'node:worker_threads';
import type { SavepointTask } from '../checkpoint/savepoint.js';
import type { LogLevel, LogRecord } from '../log/logger.js';
import type { MemberMetricsJson } from '../metrics/runner-metrics.js';
import type { FailureInfo } from './member-failure.js';
import type { MemberOptions } from './member-options.js';

/**
 * What a member thread is started with (piscina task argument): the member's options, with the job
 * as a module path and the logger as its level (the member logs through the runner: `log` below).
 */
export interface MemberStart extends Omit<MemberOptions, 'job' | 'logger' | 'signal' | 'metrics' | 'onCheckpoint' | 'onSavepointControl' | 'onReady' | 'joinGate' | 'onFinished' | 'finishedElsewhere'> {
  jobModule: string;
  jobOptions: unknown;
  logLevel: LogLevel;
  /** The runner's end of the conversation; the member posts {@link FromMember} on it. */
  port: MessagePort;
}

/**
 * The phases of a savepoint, run by the runner across all members in order: `pause` (hold input,
 * commit the source stages' tasks), `drain` for each exchange stage in graph order (its tasks
 * consume their topic to its end and commit), `dump` (write each task's committed state), `resume`.
 */
export type SavepointPhase = { phase: 'pause' } | { phase: 'drain'; stage: string } | { phase: 'dump'; dir: string } | { phase: 'resume' };

/** What a member answers to a savepoint phase. */
export interface SavepointReply {
  /** Tasks this member owns, e.g. `watch-events:3`, `top-k:0`. */
  owned: string[];
  /** Written in the `dump` phase. */
  tasks: SavepointTask[];
}

/**
 * Runner → member: stop gracefully, answer with the member's metrics, run a savepoint phase, join
 * `group` now (the answer to `joining`, see join-barrier.ts), or (bounded) end: another member found
 * the job finished.
 */
export type ToMember =
  | { type: 'stop' }
  | { type: 'collect'; id: number }
  | ({ type: 'savepoint'; id: number } & SavepointPhase)
  | { type: 'join'; group: string; members: string[] }
  | { type: 'finished' };

/** What a member processed in this run (records re-read after a restart count again). */
export interface MemberStats {
  records: number;
  deadLettered: number;
  outputs: Record<string, number>;
}

/**
 * What a member thread's task resolves to: the member's stats, or its failure (a result rather than
 * a rejection, because a structured-cloned error loses what the runner needs to decide on a restart).
 */
export type MemberOutcome = { ok: true; stats: MemberStats } | { ok: false; failure: FailureInfo };

/** One task commit (a checkpoint of that task), as the runner's history lists it. */
export interface CheckpointEvent {
  task: string;
  completedAt: number;
  durationMs: number;
  sizeBytes: number;
  outcome: 'completed' | 'failed';
}

/** Member → runner (how a member ended, its stats or its failure, comes back as its task's result: {@link MemberOutcome}). */
export type FromMember =
  /** A log record of the member (its fields name the member, and the task when it is a task's), for the runner to write. */
  | { type: 'log'; record: LogRecord }
  | { type: 'metrics'; id: number; metrics: MemberMetricsJson }
  | { type: 'savepoint'; id: number; reply?: SavepointReply; error?: string }
  | ({ type: 'checkpoint' } & CheckpointEvent)
  /** Every task the member owns is open (restored) and it is processing; false while tasks open after an assignment. */
  | { type: 'ready'; ready: boolean }
  /** Bounded: the member found the whole job finished (the runner tells the others). */
  | { type: 'finished' }
  /** The member has its id in consumer group `group` and waits for the runner's `join`, which lists who joins with it (join-barrier.ts). */
  | { type: 'joining'; group: string; memberId: string }
  /** Posted just before the member's error reaches the runner: what the runner needs to decide on a restart. */
  | ({ type: 'failed' } & FailureInfo);
