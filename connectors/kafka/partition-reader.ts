/**
 * Reads one partition from an offset up to its end as it is now (read_committed), then stops: how a
 * task replays its changelog tail, and how it finds its changelog's incarnation marker. kafkajs has
 * no manual assignment, so each read joins a throwaway group.
 */
import { randomUUID } from 'node:crypto';
import { KafkaAdmin } from './admin.js';
import type { KafkaClientOptions } from './config.js';
import { bytesSerde } from '../../engine/api/serde.js';
import { KafkaSource } from './kafka-source.js';
import { type SourceRecord } from './record-source.js';

/**
 * @example
 * await readPartition(client, 'job-changelog', 3, 1200n, async (records) => { for (const r of records) apply(r); });
 */
export async function readPartition(
  client: KafkaClientOptions,
  topic: string,
  partition: number,
  from: bigint,
  onRecords: (records: SourceRecord<Buffer | null>[]) => Promise<void>,
): Promise<{ records: number; end: bigint }> {
  const end = await partitionEnd(client, topic, partition);
  let count = 0;
  await readRange(client, topic, partition, from, end, async (records) => {
    count += records.length;
    await onRecords(records);
    return false;
  });
  return { records: count, end };
}

/**
 * The first committed record at or after `offset`, or undefined when the partition (as it is now)
 * has none there. Compaction and aborted transactions leave gaps: check the record's own offset.
 *
 * @example
 * const first = await readRecordAt(client, 'job-changelog', 3, 0n); // what the partition starts with
 */
export async function readRecordAt(client: KafkaClientOptions, topic: string, partition: number, offset: bigint): Promise<SourceRecord<Buffer | null> | undefined> {
  const end = await partitionEnd(client, topic, partition);
  let first: SourceRecord<Buffer | null> | undefined;
  await readRange(client, topic, partition, offset, end, async (records) => {
    first = records[0];
    return true;
  });
  return first;
}

async function partitionEnd(client: KafkaClientOptions, topic: string, partition: number): Promise<bigint> {
  const admin = new KafkaAdmin(client);
  await admin.connect();
  try {
    return (await admin.offsets(topic)).find((o) => o.partition === partition)?.high ?? 0n;
  } finally {
    await admin.disconnect();
  }
}

/** Hands `[from, end)` over in batches until the end or until `onRecords` says it has enough. */
async function readRange(
  client: KafkaClientOptions,
  topic: string,
  partition: number,
  from: bigint,
  end: bigint,
  onRecords: (records: SourceRecord<Buffer | null>[]) => Promise<boolean>,
): Promise<void> {
  if (from >= end) return;
  let reached: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (reached = resolve));
  // Tombstones (null values) matter to a changelog: pass them through rather than rejecting them.
  const nullable = { decode: (v: Buffer | null) => ({ ok: true as const, value: v }), encode: bytesSerde.encode };
  const ref: { source?: KafkaSource<Buffer | null> } = {};
  let enough = false;
  const source = new KafkaSource<Buffer | null>(
    client,
    // Every record: a size limit is for input, and skipping a changelog record would lose state.
    { groupId: `eddy-reader-${randomUUID()}`, topics: [topic], autoCommit: false, maxWaitTimeMs: 100, maxRecordBytes: Number.MAX_SAFE_INTEGER },
    nullable,
    { write: async () => undefined },
    {
      startOffset: (tp) => (tp.partition === partition ? from : undefined),
      // Only one partition is wanted; the group owns them all.
      onAssignment: (owned) => ref.source?.pause(owned.filter((tp) => tp.partition !== partition)),
      onProgress: (tp, next) => tp.partition === partition && next >= end && reached(),
    },
  );
  ref.source = source;
  // A failing `onRecords` ends the read with its error: thrown into kafkajs, it would only restart
  // the consumer and meet the same records again, forever.
  let failed: { error: unknown } | undefined;
  await source.start(async (batch) => {
    if (batch.partition !== partition || enough || failed) return;
    const within = batch.records.filter((r) => BigInt(r.offset) < end);
    try {
      if (within.length > 0 && (await onRecords(within))) enough = true;
    } catch (error) {
      failed = { error };
    }
    if (failed || enough || batch.nextOffset >= end) reached();
  });
  try {
    await done;
  } finally {
    await source.stop();
  }
  if (failed) throw failed.error;
}
