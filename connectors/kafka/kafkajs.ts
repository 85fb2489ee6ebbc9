/**
 * kafkajs, loaded once, with two fixes. kafkajs is unmaintained (no release since 2023-02), so they
 * live here; every value import of kafkajs goes through this module (ESLint enforces it), type
 * imports may name 'kafkajs' directly.
 *
 * 1. Its producer's grouping of messages by partition copies the partition's whole array for every
 *    message it adds (`[...current, message]`): O(n²) in messages per partition per send, 16% of a
 *    member thread's CPU with Eddy's changelog sends. The linear version is put into Node's require
 *    cache under the module's path before kafkajs first loads, and the producer picks it up.
 * 2. Its request queue re-arms a 1 ms timer after every response even when nothing waits
 *    (tulios/kafkajs#1556): every connection wakes the thread a thousand times a second for good.
 *    The patched method arms the timer only while requests wait.
 * 3. Its read_committed consumer hands over records of aborted transactions when several of them
 *    began before a record it reads (aborted-records.ts): exactly-once between stages broke under
 *    kill -9. The correct filter goes into the require cache the same way as 1.
 * 4. Its record decoder does 64-bit (BigInt) arithmetic per record for offsets and timestamps; the
 *    one in record-decoder.ts adds numbers where they are exact, and goes in the same way as 1.
 * 5. Its transaction manager looks the coordinators up again before each of its requests, four
 *    FindCoordinator per commit; a transactional producer's remembers them (coordinator-cache.ts),
 *    put in place of the module the same way as 1.
 * 6. Its consumer's fetch wait (`maxWaitTimeInMs`) is fixed when the consumer is made; a consumer
 *    group given a pace ({@link paceFetches}) asks it before each fetch instead.
 * 7. A new member of a gated group (join-gate.ts) waits between getting its member id and joining
 *    with it, so that the members of one process join in the same rebalance.
 * 8. Its consumers heartbeat every 3 s (`heartbeatInterval`), and a member learns of a rebalance
 *    only from a heartbeat. For a few seconds after each join they heartbeat at least every
 *    {@link SETTLING_HEARTBEAT_MS}: a member that joined just before others learns of the rebalance
 *    their joins start at once, not 3 s later with every partition opened meanwhile.
 *
 * It also reaches one thing kafkajs has but does not expose: LeaveGroup for a member other than
 * the caller ({@link leaveGroupFor}), which Java's admin client offers as `removeMembersFromConsumerGroup`.
 *
 * @example
 * import { kafkajs } from './kafkajs.js';
 * const kafka = new kafkajs.Kafka({ brokers: ['127.0.0.1:9092'] });
 */
import { createRequire } from 'node:module';
import type * as KafkaJs from 'kafkajs';
import { filterAbortedMessages } from './aborted-records.js';
import { withCachedCoordinators, type EosCluster } from './coordinator-cache.js';
import { gatedJoinGroup, type JoiningBroker } from './join-gate.js';
import { decodeRecord } from './record-decoder.js';

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

/** Where kafkajs keeps its aborted-records filter; its consumer's Batch requires it by this path. */
export const ABORTED_FILTER_MODULE_PATH = require.resolve('kafkajs/src/consumer/filterAbortedMessages.js');

/** Where kafkajs keeps its record decoder; its record batch decoder requires it by this path. */
export const RECORD_DECODER_MODULE_PATH = require.resolve('kafkajs/src/protocol/recordBatch/record/v0/decoder.js');

/** Where kafkajs keeps its transaction manager's factory; its producer requires it by this path. */
export const EOS_MANAGER_MODULE_PATH = require.resolve('kafkajs/src/producer/eosManager/index.js');

type EosManagerFactory = (options: { cluster: EosCluster; transactional?: boolean }) => unknown;

/** kafkajs' transaction manager factory, given a cluster that remembers coordinators when transactional. */
function cachingEosManager(original: EosManagerFactory): EosManagerFactory {
  return (options) => original(options.transactional ? { ...options, cluster: withCachedCoordinators(options.cluster) } : options);
}

/** Puts `exports` in Node's require cache as the module at `path`, before anything requires it. */
function replaceModule(path: string, exports: unknown): void {
  require.cache[path] = { id: path, filename: path, loaded: true, exports, children: [], paths: [] } as unknown as NodeJS.Module;
}

function load(): typeof KafkaJs {
  const producerPath = require.resolve('kafkajs/src/producer/sendMessages.js');
  if (require.cache[producerPath] && require.cache[GROUPING_MODULE_PATH]?.exports !== groupMessagesPerPartition) {
    throw new Error('kafkajs was loaded before connectors/kafka/kafkajs.ts: import kafkajs only through that module');
  }
  replaceModule(GROUPING_MODULE_PATH, groupMessagesPerPartition);
  replaceModule(ABORTED_FILTER_MODULE_PATH, filterAbortedMessages);
  replaceModule(RECORD_DECODER_MODULE_PATH, decodeRecord);
  replaceModule(EOS_MANAGER_MODULE_PATH, cachingEosManager(require(EOS_MANAGER_MODULE_PATH) as EosManagerFactory));
  const kafkajs = require('kafkajs') as typeof KafkaJs;
  const queue = (require('kafkajs/src/network/requestQueue/index.js') as { prototype: PendingQueue }).prototype;
  queue.scheduleCheckPendingRequests = scheduleCheckPendingRequests;
  const group = (require('kafkajs/src/consumer/consumerGroup.js') as { prototype: PacedGroup }).prototype;
  const fetch = group.fetch;
  group.fetch = function pacedFetch(this: PacedGroup, nodeId: number) {
    const pace = paces.get(this.groupId);
    if (pace) this.maxWaitTime = pace();
    return fetch.call(this, nodeId);
  };
  const joinAndSync = group.joinAndSync;
  group.joinAndSync = async function joinAndSyncNoted(this: PacedGroup) {
    await joinAndSync.call(this);
    this.joinedAt = Date.now();
  };
  const heartbeat = group.heartbeat;
  group.heartbeat = function settlingHeartbeat(this: PacedGroup, { interval }: { interval: number }) {
    const settling = Date.now() - (this.joinedAt ?? -Infinity) < SETTLING_MS;
    return heartbeat.call(this, { interval: settling ? Math.min(interval, SETTLING_HEARTBEAT_MS) : interval });
  };
  const broker = (require('kafkajs/src/broker/index.js') as { prototype: JoiningBroker }).prototype;
  const send = Object.getOwnPropertySymbols(broker).find((s) => s.description === 'private:Broker:sendRequest');
  if (!send) throw new Error('kafkajs changed: no request method on its Broker');
  const { requests } = require('kafkajs/src/protocol/requests/index.js') as { requests: Record<string, unknown> };
  const apiKeys = require('kafkajs/src/protocol/requests/apiKeys.js') as Record<string, number>;
  broker.joinGroup = gatedJoinGroup(broker.joinGroup, send, apiKeys.JoinGroup!, requests.JoinGroup);
  return kafkajs;
}

/** The part of kafkajs' ConsumerGroup patches 6 and 8 touch. */
interface PacedGroup {
  groupId: string;
  maxWaitTime: number;
  /** Set by patch 8: when the member's last join completed. */
  joinedAt?: number;
  fetch(nodeId: number): Promise<unknown>;
  joinAndSync(): Promise<void>;
  heartbeat(args: { interval: number }): Promise<void>;
}

/** How long after a join a consumer heartbeats often (patch 8). */
export const SETTLING_MS = 5_000;
/** The longest gap between heartbeats then (the interval a member asks for is kept when shorter). */
export const SETTLING_HEARTBEAT_MS = 250;

/** Per consumer group of this thread: its fetch wait, asked before each fetch. */
const paces = new Map<string, () => number>();

/**
 * From now on the consumers of `groupId` in this thread ask `waitMs` how long the broker may hold
 * each fetch (kafkajs' `maxWaitTimeInMs`, otherwise fixed). Returns the undo.
 *
 * @example
 * const undo = paceFetches('my-group', () => (windowCloseNear() ? 100 : 500));
 */
export function paceFetches(groupId: string, waitMs: () => number): () => void {
  paces.set(groupId, waitMs);
  return () => {
    if (paces.get(groupId) === waitMs) paces.delete(groupId);
  };
}

/** The part of kafkajs' RequestQueue the fix touches. */
export interface PendingQueue {
  pending: unknown[];
  throttledUntil: number;
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  checkPendingRequests(): void;
  scheduleCheckPendingRequests(): void;
}

/** kafkajs' interval between checks of waiting requests when not throttled. */
const CHECK_PENDING_REQUESTS_INTERVAL_MS = 10;

/**
 * RequestQueue.scheduleCheckPendingRequests without the idle loop: with nothing waiting there is
 * nothing to check (a request pushed later schedules its own check, and responses check the queue).
 */
export function scheduleCheckPendingRequests(this: PendingQueue): void {
  if (this.throttleCheckTimeoutId || this.pending.length === 0) return;
  const throttledFor = this.throttledUntil - Date.now();
  this.throttleCheckTimeoutId = setTimeout(() => {
    this.throttleCheckTimeoutId = null;
    this.checkPendingRequests();
  }, throttledFor > 0 ? throttledFor : CHECK_PENDING_REQUESTS_INTERVAL_MS);
}

export const kafkajs = load();

interface InternalCluster {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  findGroupCoordinator(args: { groupId: string }): Promise<{ leaveGroup(args: { groupId: string; memberId: string }): Promise<unknown> }>;
}

/**
 * Removes members from a consumer group (LeaveGroup sent on their behalf), so the group rebalances
 * without waiting for their sessions to time out. Each member's outcome: `undefined` when removed,
 * else the broker's error (UNKNOWN_MEMBER_ID when it had already left or timed out).
 */
export async function leaveGroupFor(kafka: KafkaJs.Kafka, groupId: string, memberIds: readonly string[]): Promise<(Error | undefined)[]> {
  // The Kafka object keeps its cluster factory under a private symbol; the admin client uses the same.
  const key = Object.getOwnPropertySymbols(kafka).find((s) => s.description === 'private:Kafka:createCluster');
  if (!key) throw new Error('kafkajs changed: no cluster factory on the Kafka object');
  const cluster = (kafka as unknown as Record<symbol, (o: object) => InternalCluster>)[key]!({});
  await cluster.connect();
  try {
    const coordinator = await cluster.findGroupCoordinator({ groupId });
    const out: (Error | undefined)[] = [];
    for (const memberId of memberIds) out.push(await coordinator.leaveGroup({ groupId, memberId }).then(() => undefined, (e: Error) => e));
    return out;
  } finally {
    await cluster.disconnect();
  }
}
