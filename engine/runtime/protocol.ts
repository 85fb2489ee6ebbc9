/**
 * Every message between the runner (main thread) and its member threads, in one place. Only plain
 * data crosses: the job is loaded by module path in each thread.
 */
import type { MessagePort } from 'node:worker_threads';
import type { KafkaClientOptions } from '../../connectors/kafka/config.js';

/** What a member thread is started with (piscina task argument). */
export interface MemberStart {
  jobModule: string;
  jobOptions: unknown;
  kafka: KafkaClientOptions;
  groupId: string;
  stateDir: string;
  stateBackend: 'rocksdb' | 'memory';
  bounded: boolean;
  commitIntervalMs: number;
  sessionTimeoutMs: number;
  name: string;
  /** The runner's end of the conversation; the member posts {@link FromMember} on it. */
  port: MessagePort;
}

/** Runner → member. */
export type ToMember = { type: 'stop' };

/** What a member processed in this run (records re-read after a restart count again). */
export interface MemberStats {
  records: number;
  deadLettered: number;
  outputs: Record<string, number>;
}

/** Member → runner (a member's stats come back as its task's result). */
export type FromMember = { type: 'log'; line: string };
