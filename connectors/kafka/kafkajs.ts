/**
 * kafkajs, loaded once, with a fix for its producer's grouping of messages by partition. kafkajs
 * 2.2.4 copies the partition's whole array for every message it adds (`[...current, message]`), so a
 * send costs O(n²) in messages per partition: with Eddy's changelog sends of thousands of records to
 * one partition it was 16% of a member thread's CPU. kafkajs is unmaintained (no release since
 * 2023-02), so the fix lives here: the linear version is put into Node's require cache under the
 * module's path before kafkajs first loads, and kafkajs' producer picks it up. Every value import of
 * kafkajs goes through this module (ESLint enforces it); type imports may name 'kafkajs' directly.
 *
 * @example
 * import { kafkajs } from './kafkajs.js';
 * const kafka = new kafkajs.Kafka({ brokers: ['127.0.0.1:9092'] });
 */
import { createRequire } from 'node:module';
import type * as KafkaJs from 'kafkajs';

interface GroupArgs {
  topic: string;
  partitionMetadata: KafkaJs.PartitionMetadata[];
  messages: readonly KafkaJs.Message[];
  partitioner: ReturnType<KafkaJs.ICustomPartitioner>;
}

/** kafkajs' `groupMessagesPerPartition`, same contract, linear: partition → its messages in order. */
export function groupMessagesPerPartition({ topic, partitionMetadata, messages, partitioner }: GroupArgs): Record<number, KafkaJs.Message[]> {
  const out: Record<number, KafkaJs.Message[]> = {};
  if (partitionMetadata.length === 0) return out;
  for (const message of messages) {
    const partition = partitioner({ topic, partitionMetadata, message });
    (out[partition] ??= []).push(message);
  }
  return out;
}

const require = createRequire(import.meta.url);
/** Where kafkajs keeps the function; its producer requires it by this path. */
export const GROUPING_MODULE_PATH = require.resolve('kafkajs/src/producer/groupMessagesPerPartition.js');

function load(): typeof KafkaJs {
  const producerPath = require.resolve('kafkajs/src/producer/sendMessages.js');
  if (require.cache[producerPath] && require.cache[GROUPING_MODULE_PATH]?.exports !== groupMessagesPerPartition) {
    throw new Error('kafkajs was loaded before connectors/kafka/kafkajs.ts: import kafkajs only through that module');
  }
  require.cache[GROUPING_MODULE_PATH] = {
    id: GROUPING_MODULE_PATH,
    filename: GROUPING_MODULE_PATH,
    loaded: true,
    exports: groupMessagesPerPartition,
    children: [],
    paths: [],
  } as unknown as NodeJS.Module;
  return require('kafkajs') as typeof KafkaJs;
}

export const kafkajs = load();
