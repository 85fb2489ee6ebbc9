/**
 * The first thing a task does when it opens: fence every older owner of its transactional id, then
 * read where it stands. After the fence an older owner can commit nothing more (its open transaction
 * is aborted), so the committed offset and the ends read next are final.
 */
import { KafkaAdmin } from '../../connectors/kafka/admin.js';
import type { KafkaClientOptions } from '../../connectors/kafka/config.js';
import type { KafkaSink } from '../../connectors/kafka/sink.js';
import type { StageLayout } from './job-topics.js';

export interface TaskPosition {
  /** The group's committed offset for the task's partition (−1: none). */
  groupOffset: bigint;
  /** Ends of the task's changelog partition and input partition. */
  changelogEnd: bigint;
  inputEnd: bigint;
}

/**
 * @example
 * const { groupOffset, changelogEnd, inputEnd } = await fenceAndLocate(sink, kafka, layout, 3);
 */
export async function fenceAndLocate(sink: KafkaSink, kafka: KafkaClientOptions, stage: StageLayout, partition: number): Promise<TaskPosition> {
  // kafkajs registers the transactional id with the first transaction: open and drop an empty one.
  await sink.begin();
  await sink.abort();
  const admin = new KafkaAdmin(kafka);
  await admin.connect();
  const end = (topic: string): Promise<bigint> => admin.offsets(topic).then((os) => os.find((o) => o.partition === partition)?.high ?? 0n);
  const [committed, changelogEnd, inputEnd] = await Promise.all([admin.committedOffsets(stage.groupId, stage.topic), end(stage.changelog), end(stage.topic)]).finally(() => admin.disconnect());
  return { groupOffset: committed.get(partition) ?? -1n, changelogEnd, inputEnd };
}
