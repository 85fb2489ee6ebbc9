/** What a group member (member.ts) runs with. */
import type { KafkaClientOptions } from '../../connectors/kafka/config.js';
import type { BuiltJob } from '../api/job-builder.js';
import type { Logger } from '../log/logger.js';
import type { SavepointTask } from '../checkpoint/savepoint.js';
import type { MemberMetrics } from '../metrics/member-metrics.js';
import type { CheckpointEvent, SavepointPhase, SavepointReply } from './protocol.js';

export interface MemberOptions {
  job: BuiltJob;
  kafka: KafkaClientOptions;
  groupId: string;
  stateDir: string;
  stateBackend: 'rocksdb' | 'memory';
  bounded: boolean;
  /** Exactly-once (default) or at-least-once output (see TaskConfig.guarantee). */
  guarantee?: 'exactly-once' | 'at-least-once';
  /** How often tasks commit (the checkpoint interval). */
  commitIntervalMs: number;
  /** Group session timeout: how soon the group notices a member that died. */
  sessionTimeoutMs?: number;
  /** When the broker answers an input fetch: once `minBytes` are there or after `maxWaitTimeMs` (kafkajs' defaults: 1, 500). */
  inputFetch?: { minBytes: number; maxWaitTimeMs: number };
  /**
   * Bounds on bad input: records over `maxRecordBytes` are dead-lettered undecoded; event times more
   * than `maxFutureSkewMs` ahead of their Kafka timestamp too (0: not checked); at most `maxGroups`
   * top-K groups per window. Defaults: 1 MiB, 1 h, 1,000.
   */
  limits?: { maxRecordBytes?: number; maxFutureSkewMs?: number; maxGroups?: number };
  /** The client the input is read with; `confluent` is loaded from this folder (confluent-client.ts). */
  inputClient?: { kind: 'kafkajs' } | { kind: 'confluent'; dir: string };
  /** Identifies this member in logs. */
  name: string;
  /** The member's logger (its fields name the member); tasks log through children of it. */
  logger: Logger;
  signal?: AbortSignal;
  metrics?: MemberMetrics;
  /** Every task commit, completed or failed. */
  onCheckpoint?: (event: CheckpointEvent) => void;
  /** Restores tasks without committed progress from this savepoint (see Task). */
  savepoint?: { dir: string; tasks: SavepointTask[] };
  /** Receives the member's handler of savepoint phases (the runner drives them). */
  onSavepointControl?: (handler: (p: SavepointPhase) => Promise<SavepointReply>) => void;
  /** Called with true once every task the member owns is open (restored) and with false when new ones start opening. */
  onReady?: (ready: boolean) => void;
}
