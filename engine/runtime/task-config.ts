/** What a task is opened with (task.ts): its job, Kafka, stage and partition, state and limits. */
import type { DeadLetterReason } from '../../connectors/kafka/dead-letter.js';
import type { BuiltJob } from '../api/job-builder.js';
import type { SavepointTask } from '../checkpoint/savepoint.js';
import type { Logger } from '../log/logger.js';
import type { OperatorMeter } from '../metrics/member-metrics.js';
import type { StageLayout } from './job-topics.js';

export interface TaskConfig {
  job: BuiltJob;
  /** The task's stage: the topic it reads (this partition of it), its group, changelog and exits. */
  stage: StageLayout;
  partition: number;
  /** The dead-letter topic's `max.message.bytes`: dead letters are cut to fit it (dead-letter.ts). */
  deadLetterMaxBytes: number;
  stateDir: string;
  stateBackend: 'rocksdb' | 'memory';
  transactionalId: string;
  /** The task's logger: its fields name the member, the task and its partition. */
  logger: Logger;
  meter?: OperatorMeter;
  /**
   * `exactly-once` (default): outputs are written inside the task's transactions. `at-least-once`:
   * outputs of sinks go out at once through a plain idempotent producer, visible before the commit;
   * after a crash the re-processed records write them again. State, offsets, partials and dead letters
   * stay transactional either way, so state is never counted twice.
   */
  guarantee?: 'exactly-once' | 'at-least-once';
  /** Bounds on input and groups (`--max-future-skew`, `--max-groups`; local-executor.ts). */
  limits?: { maxFutureSkewMs: number; maxGroups: number };
  /** Counts dead letters as they are written (in the open transaction), by reason. */
  onDeadLetters?: (reason: DeadLetterReason, n: number) => void;
  /** Seeds a task that has no committed progress yet with this task's state from a savepoint. */
  savepoint?: { dir: string; task: SavepointTask };
}
