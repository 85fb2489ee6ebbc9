/**
 * Topic administration for jobs, the generator and tests: make sure topics exist with the partition
 * count and config asked for, read their size limit, and read end offsets (what bounded mode reads up to).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Admin, Kafka } from 'kafkajs';
import * as z from 'zod';
import { createKafka, type KafkaClientOptions } from './config.js';
import { kafkajs, leaveGroupFor } from './kafkajs.js';

/** A topic Eddy needs: its name, partition count and topic-level config (e.g. `cleanup.policy`). */
export const TopicSpecSchema = z.strictObject({
  name: z.string().regex(/^[a-zA-Z0-9._-]{1,249}$/, 'expected a Kafka topic name ([a-zA-Z0-9._-], at most 249)'),
  partitions: z.number().int().min(1).max(10_000).default(1),
  config: z.record(z.string(), z.string()).default({}),
});
export type TopicSpec = z.input<typeof TopicSpecSchema>;

/**
 * The errors a broker answers about a topic it is still taking in. Under KRaft the controller
 * answers CreateTopics once its records are committed; each broker applies them later, first to
 * its metadata cache, then to the partitions it leads. In between, a metadata request says
 * UNKNOWN_TOPIC_OR_PARTITION (which kafkajs's `waitForLeaders` does not retry: it only knows
 * ZooKeeper's LEADER_NOT_AVAILABLE) and reads or writes say NOT_LEADER_FOR_PARTITION.
 */
const SETTLING = new Set(['UNKNOWN_TOPIC_OR_PARTITION', 'LEADER_NOT_AVAILABLE', 'NOT_LEADER_FOR_PARTITION', 'REPLICA_NOT_AVAILABLE', 'OFFSET_NOT_AVAILABLE']);
const settling = (e: unknown): boolean => SETTLING.has((e as { type?: string }).type ?? '');

/** How long a broker may take to serve a topic that exists: far more than it takes (milliseconds to seconds). */
const SERVED_TIMEOUT_MS = 60_000;

/** What {@link KafkaAdmin.ensureTopics} found or did for one topic. */
export interface EnsuredTopic {
  name: string;
  created: boolean;
  partitions: number;
}

/** Per-partition offsets of a topic: `low` is the first offset kept, `high` the next offset to be written. */
export interface PartitionOffsets {
  partition: number;
  low: bigint;
  high: bigint;
}

/**
 * A thin, validated wrapper over the kafkajs admin client.
 *
 * @example
 * const admin = new KafkaAdmin(kafkaClientOptions());
 * await admin.connect();
 * await admin.ensureTopics([{ name: 'watch-events', partitions: 8 }]);
 * await admin.disconnect();
 */
export class KafkaAdmin {
  readonly #kafka: Kafka;
  readonly #admin: Admin;
  /** For {@link KafkaAdmin.#whenServed}: kafkajs logs every error answer, and those are expected there. */
  readonly #quiet: Admin;
  /**
   * Connected on first use and kept until {@link disconnect}: one admin is shared by callers whose
   * ensureTopics overlap (a runner's tasks opening at once), so one must not end it under another.
   */
  #quietConnected: Promise<void> | undefined;

  constructor(opts: KafkaClientOptions) {
    this.#kafka = createKafka(opts);
    this.#admin = this.#kafka.admin();
    this.#quiet = createKafka({ ...opts, logLevel: 'nothing' }).admin();
  }

  connect(): Promise<void> {
    return this.#admin.connect();
  }

  async disconnect(): Promise<void> {
    const quiet = this.#quietConnected;
    this.#quietConnected = undefined;
    if (quiet) await quiet.then(() => this.#quiet.disconnect(), () => undefined);
    await this.#admin.disconnect();
  }

  /** Returns the broker ids of the cluster; fails when no broker answers. */
  async brokers(): Promise<number[]> {
    const { brokers } = await this.#admin.describeCluster();
    return brokers.map((b) => b.nodeId);
  }

  /** Names of the topics the cluster has. */
  async topics(): Promise<string[]> {
    return this.#admin.listTopics();
  }

  /**
   * Creates each topic that does not exist yet, and returns once the broker serves every one of
   * them: metadata with a leader for each partition, and offsets read from each partition's leader.
   * An existing topic is left as it is, and its actual partition count is reported, so the caller
   * can tell the user when it differs from the request. Existing topics are checked too: another
   * client may have created one a moment ago.
   */
  async ensureTopics(specs: readonly TopicSpec[]): Promise<EnsuredTopic[]> {
    const wanted = specs.map((s) => TopicSpecSchema.parse(s));
    // No topics asked for: a metadata request for none would answer about all of them.
    if (wanted.length === 0) return [];
    const existing = new Set(await this.#admin.listTopics());
    const missing = wanted.filter((s) => !existing.has(s.name));
    if (missing.length > 0) {
      // Not kafkajs's waitForLeaders: it fails on the KRaft answers above; #whenServed waits instead.
      await this.#admin.createTopics({
        waitForLeaders: false,
        topics: missing.map((s) => ({
          topic: s.name,
          numPartitions: s.partitions,
          replicationFactor: -1,
          configEntries: Object.entries(s.config).map(([name, value]) => ({ name, value })),
        })),
      });
    }
    const created = new Set(missing.map((s) => s.name));
    const partitions = await this.#whenServed(wanted.map((s) => s.name));
    return wanted.map((s) => ({ name: s.name, created: created.has(s.name), partitions: partitions.get(s.name) ?? 0 }));
  }

  /** Waits until the broker serves every topic (see {@link SETTLING}); returns their partition counts. */
  async #whenServed(topics: readonly string[]): Promise<Map<string, number>> {
    const deadline = Date.now() + SERVED_TIMEOUT_MS;
    const connecting = (this.#quietConnected ??= this.#quiet.connect());
    // A failed connect is not kept: the next call tries again.
    await connecting.catch((e: unknown) => {
      if (this.#quietConnected === connecting) this.#quietConnected = undefined;
      throw e;
    });
    for (;;) {
      try {
        const meta = await this.#quiet.fetchTopicMetadata({ topics: [...topics] });
        const leaderless = meta.topics.find((t) => t.partitions.some((p) => p.leader < 0));
        if (leaderless) throw Object.assign(new Error(`topic ${leaderless.name} has a partition without a leader`), { type: 'LEADER_NOT_AVAILABLE' });
        // ListOffsets goes to each partition's leader, which answers only once it has the partition.
        for (const t of topics) await this.#quiet.fetchTopicOffsets(t);
        return new Map(meta.topics.map((t) => [t.name, t.partitions.length]));
      } catch (e) {
        if (!settling(e)) throw e;
        if (Date.now() > deadline) throw new Error(`the broker does not serve topics ${topics.join(', ')} ${SERVED_TIMEOUT_MS / 1000} s after they were created: ${(e as Error).message}`);
        await sleep(100);
      }
    }
  }

  /**
   * The largest record batch a topic takes, in bytes: its `max.message.bytes`, which the broker
   * reports as its own `message.max.bytes` when the topic has no override.
   *
   * @example
   * await admin.maxMessageBytes('watch-events'); // 1048588 on a broker with default settings
   */
  async maxMessageBytes(topic: string): Promise<number> {
    const { resources } = await this.#admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: kafkajs.ConfigResourceTypes.TOPIC, name: topic, configNames: ['max.message.bytes'] }],
    });
    const entry = resources[0]?.configEntries.find((e) => e.configName === 'max.message.bytes');
    if (!entry) throw new Error(`the broker reported no max.message.bytes for topic ${topic}`);
    return z.coerce.number().int().nonnegative().parse(entry.configValue);
  }

  /** Low and high offsets of every partition of a topic, sorted by partition. */
  async offsets(topic: string): Promise<PartitionOffsets[]> {
    const rows = await this.#admin.fetchTopicOffsets(topic);
    return rows
      .map((r) => ({ partition: r.partition, low: BigInt(r.low), high: BigInt(r.high) }))
      .sort((a, b) => a.partition - b.partition);
  }

  /** The group's members (those joining too), with the client id each connected with. */
  async groupMembers(groupId: string): Promise<{ memberId: string; clientId: string }[]> {
    const { groups } = await this.#admin.describeGroups([groupId]);
    return (groups[0]?.members ?? []).map((m) => ({ memberId: m.memberId, clientId: m.clientId }));
  }

  /**
   * Removes members from a group on their behalf (LeaveGroup), so it rebalances at once instead of
   * after their session timeout: for members of a process known to be dead. Returns how many were
   * still members.
   */
  async removeMembers(groupId: string, memberIds: readonly string[]): Promise<number> {
    const results = await leaveGroupFor(this.#kafka, groupId, memberIds);
    return results.filter((e) => e === undefined).length;
  }

  /** The group's committed offsets for a topic (`-1` where nothing is committed). */
  async committedOffsets(groupId: string, topic: string): Promise<Map<number, bigint>> {
    const [entry] = await this.#admin.fetchOffsets({ groupId, topics: [topic] });
    return new Map((entry?.partitions ?? []).map((p) => [p.partition, BigInt(p.offset)]));
  }
}

/**
 * Records of `topic` from where `groupId` resumes (its committed offset, else the partition's first)
 * to the end: what the group has yet to read.
 *
 * @example
 * const behind = await recordsBehind(admin, 'content-popularity', 'watch-events');
 */
export async function recordsBehind(admin: Pick<KafkaAdmin, 'offsets' | 'committedOffsets'>, groupId: string, topic: string): Promise<number> {
  const committed = await admin.committedOffsets(groupId, topic);
  let total = 0n;
  for (const o of await admin.offsets(topic)) {
    const from = (committed.get(o.partition) ?? -1n) >= o.low ? committed.get(o.partition)! : o.low;
    if (o.high > from) total += o.high - from;
  }
  return Number(total);
}
