/**
 * Reads one partition from an offset up to its end as it is now (read_committed), then stops: how a
 * task replays its changelog tail. kafkajs has no manual assignment, so this joins a throwaway group.
 */
import { randomUUID } from 'node:crypto';
import { KafkaAdmin } from './admin.js';
import type { KafkaClientOptions } from './config.js';
import { bytesSerde } from './serde.js';
import { KafkaSource, type SourceRecord } from './source.js';

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
  const admin = new KafkaAdmin(client);
  await admin.connect();
  const end = (await admin.offsets(topic)).find((o) => o.partition === partition)?.high ?? 0n;
  await admin.disconnect();
  if (from >= end) return { records: 0, end };

  let count = 0;
  let reached: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (reached = resolve));
  // Tombstones (null values) matter to a changelog: pass them through rather than rejecting them.
  const nullable = { decode: (v: Buffer | null) => ({ ok: true as const, value: v }), encode: bytesSerde.encode };
  const ref: { source?: KafkaSource<Buffer | null> } = {};
  const source = new KafkaSource<Buffer | null>(
    client,
    { groupId: `eddy-reader-${randomUUID()}`, topics: [topic], autoCommit: false, maxWaitTimeMs: 100 },
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
  await source.start(async (batch) => {
    if (batch.partition !== partition) return;
    const within = batch.records.filter((r) => BigInt(r.offset) < end);
    count += within.length;
    if (within.length > 0) await onRecords(within);
    if (batch.nextOffset >= end) reached();
  });
  try {
    await done;
  } finally {
    await source.stop();
  }
  return { records: count, end };
}
