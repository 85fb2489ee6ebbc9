/**
 * What a task needs from the world, behind small interfaces: a transactional output (its producer,
 * whose transactional id fences older owners), an at-least-once output, the partitions it reads
 * positions and changelogs from, and its local store. `kafkaPorts` is the real thing; the task's
 * unit tests run it on an in-memory fake (testing/fake-kafka.ts).
 */
import { KafkaAdmin } from '../../connectors/kafka/admin.js';
import type { KafkaClientOptions } from '../../connectors/kafka/config.js';
import { readPartition, readRecordAt } from '../../connectors/kafka/partition-reader.js';
import { KafkaSink, type OutRecord, type TransactionOffsets } from '../../connectors/kafka/sink.js';
import type { SourceRecord } from '../../connectors/kafka/record-source.js';
import { MemoryStateBackend } from '../state/memory-backend.js';
import type { StateBackend } from '../state/state-backend.js';
import { openLocalState } from './local-state.js';

/** Writes records; what a dead-letter queue and an at-least-once sink need. */
export interface Output {
  send(topic: string, records: readonly OutRecord[]): Promise<void>;
  flush(): Promise<void>;
  readonly inTransaction: boolean;
  disconnect(): Promise<void>;
}

/** A transactional producer: sends become visible, with the offsets, at `commit`, or never. */
export interface TransactionalOutput extends Output {
  begin(): Promise<void>;
  commit(offsets?: TransactionOffsets): Promise<void>;
  abort(): Promise<void>;
  /** The offset after the last record acknowledged on an explicitly chosen partition. */
  nextOffset(topic: string, partition: number): bigint | undefined;
}

/** Reading partitions as a read_committed consumer sees them, and a group's committed offsets. */
export interface PartitionLog {
  /** Every record from `from` to the partition's end as it is now, in order. */
  read(topic: string, partition: number, from: bigint, onRecords: (records: SourceRecord<Buffer | null>[]) => Promise<void>): Promise<{ records: number; end: bigint }>;
  /** The first record at or after `offset`, if any. */
  recordAt(topic: string, partition: number, offset: bigint): Promise<SourceRecord<Buffer | null> | undefined>;
  end(topic: string, partition: number): Promise<bigint>;
  /** The group's committed offset of the partition (undefined: none). */
  committed(groupId: string, topic: string, partition: number): Promise<bigint | undefined>;
}

export interface TaskPorts {
  /** The task's transactional producer, connected. */
  output(transactionalId: string): Promise<TransactionalOutput>;
  /** An idempotent producer for at-least-once outputs, connected. */
  direct(): Promise<Output>;
  partitions: PartitionLog;
  /** The task's store: its RocksDB folder, or memory (`dir` undefined). */
  openStore(dir: string | undefined): Promise<StateBackend>;
  /** Closes what the ports hold open (after every task closed). */
  close(): Promise<void>;
}

/**
 * The ports on a Kafka cluster and the local disk.
 *
 * @example
 * const task = await Task.open(config, kafkaPorts(config.kafka));
 */
export function kafkaPorts(kafka: KafkaClientOptions): TaskPorts {
  // One admin connection for all of a member's tasks, made when the first one opens.
  let admin: Promise<KafkaAdmin> | undefined;
  const withAdmin = async <T>(work: (admin: KafkaAdmin) => Promise<T>): Promise<T> => {
    admin ??= (async () => {
      const a = new KafkaAdmin(kafka);
      await a.connect();
      return a;
    })();
    return work(await admin.catch((e: unknown) => {
      admin = undefined;
      throw e;
    }));
  };
  const connected = async (sink: KafkaSink): Promise<KafkaSink> => {
    await sink.connect();
    return sink;
  };
  return {
    output: (transactionalId) => connected(new KafkaSink(kafka, { mode: 'transactional', transactionalId, batchSize: 10_000 })),
    direct: () => connected(new KafkaSink(kafka, { mode: 'idempotent', batchSize: 10_000 })),
    partitions: {
      read: (topic, partition, from, onRecords) => readPartition(kafka, topic, partition, from, onRecords),
      recordAt: (topic, partition, offset) => readRecordAt(kafka, topic, partition, offset),
      end: (topic, partition) => withAdmin(async (a) => (await a.offsets(topic)).find((o) => o.partition === partition)?.high ?? 0n),
      committed: (groupId, topic, partition) => withAdmin(async (a) => (await a.committedOffsets(groupId, topic)).get(partition)),
    },
    openStore: async (dir) => (dir === undefined ? new MemoryStateBackend() : openLocalState(dir)),
    close: async () => {
      const a = await admin?.catch(() => undefined);
      admin = undefined;
      await a?.disconnect();
    },
  };
}
