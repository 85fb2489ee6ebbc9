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
  /** Bounded: called when this member finds the whole job finished, before it leaves the group. */
  onFinished?: () => void;
  /**
   * Bounded: resolves when another member of this process has found the whole job finished; this
   * member then ends too, opening no task for the partitions the finished members give up.
   */
  finishedElsewhere?: Promise<void>;
  /**
   * Called when the member has its id in consumer group `group` and is about to join it for the
   * first time; it joins once this resolves with the ids of the process's members joining with it
   * (the runner lets them join together: join-barrier.ts).
   */
  joinGate?: (group: string, memberId: string) => Promise<readonly string[]>;
  /** Called with true once every task the member owns is open (restored) and with false when new ones start opening. */
  onReady?: (ready: boolean) => void;
}
