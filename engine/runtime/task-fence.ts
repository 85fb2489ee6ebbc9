/**
 * The first thing a task does when it opens: fence every older owner of its transactional id, then
 * read where it stands. After the fence an older owner can commit nothing more (its open transaction
 * is aborted), so the committed offset and the ends read next are final.
 */
import type { StageLayout } from './job-topics.js';
import type { PartitionLog, TransactionalOutput } from './task-ports.js';

export interface TaskPosition {
  /** The group's committed offset for the task's partition (−1: none). */
  groupOffset: bigint;
  /** Ends of the task's changelog partition and input partition. */
  changelogEnd: bigint;
  inputEnd: bigint;
}

/**
 * @example
 * const { groupOffset, changelogEnd, inputEnd } = await fenceAndLocate(output, ports.partitions, layout, 3);
 */
export async function fenceAndLocate(output: TransactionalOutput, partitions: PartitionLog, stage: StageLayout, partition: number): Promise<TaskPosition> {
  // kafkajs registers the transactional id with the first transaction: open and drop an empty one.
  await output.begin();
  await output.abort();
  const [committed, changelogEnd, inputEnd] = await Promise.all([partitions.committed(stage.groupId, stage.topic, partition), partitions.end(stage.changelog, partition), partitions.end(stage.topic, partition)]);
  return { groupOffset: committed ?? -1n, changelogEnd, inputEnd };
}
