/**
 * Every message between the runner (main thread) and its member threads, in one place. Only plain
 * data crosses: the job is loaded by module path in each thread.
 */
import type { MessagePort } from 'node:worker_threads';
import type { MemberMetricsJson } from '../metrics/runner-metrics.js';
import type { MemberOptions } from './member.js';

/** What a member thread is started with (piscina task argument): the member's options, with the job as a module path. */
export interface MemberStart extends Omit<MemberOptions, 'job' | 'log' | 'signal'> {
  jobModule: string;
  jobOptions: unknown;
  /** The runner's end of the conversation; the member posts {@link FromMember} on it. */
  port: MessagePort;
}

/** Runner → member: stop gracefully, or answer with the member's metrics. */
export type ToMember = { type: 'stop' } | { type: 'collect'; id: number };

/** What a member processed in this run (records re-read after a restart count again). */
export interface MemberStats {
  records: number;
  deadLettered: number;
  outputs: Record<string, number>;
}

/** One task commit (a checkpoint of that task), as the runner's history lists it. */
export interface CheckpointEvent {
  task: string;
  completedAt: number;
  durationMs: number;
  sizeBytes: number;
  outcome: 'completed' | 'failed';
}

/** Member → runner (a member's stats come back as its task's result). */
export type FromMember =
  | { type: 'log'; line: string }
  | { type: 'metrics'; id: number; metrics: MemberMetricsJson }
  | ({ type: 'checkpoint' } & CheckpointEvent);
