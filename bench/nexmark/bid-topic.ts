/**
 * The q5 input topic: bids keyed by auction id and partitioned by Kafka's default partitioner of that
 * key (so a job may declare its input partitioned by auction), then "flush" bids that move every
 * partition's event time past the last window holding real bids, so that engines whose windows fire
 * on the watermark (Flink's, without a bounded end) fire all of them.
 */
import { KafkaAdmin } from '../../connectors/kafka/admin.js';
import type { KafkaClientOptions } from '../../connectors/kafka/config.js';
import { KafkaSink, type OutRecord } from '../../connectors/kafka/sink.js';
import { partitionerFor } from '../harness/workload.js';
import { encodeBid, Q5_OUT_OF_ORDERNESS_MS, Q5_WINDOW, type Bid } from './bid.js';

/** Flush bids per partition: one would do; a few cost nothing. */
const FLUSH_PER_PARTITION = 8;

/**
 * Flush bids for every partition, at a time whose watermark closes every window starting at or
 * before `maxDateTime`. Their auction ids are negative (real ones start at 1000), each chosen so
 * that the default partitioner puts it on its partition.
 *
 * @example
 * flushBids(1_767_225_700_000, 8).length // 64
 */
export function flushBids(maxDateTime: number, partitions: number): OutRecord[] {
  const at = maxDateTime + Q5_WINDOW.sizeMs + Q5_OUT_OF_ORDERNESS_MS + 2 * Q5_WINDOW.slideMs;
  const partitionOf = partitionerFor(partitions);
  const out: OutRecord[] = [];
  const perPartition = new Array<number>(partitions).fill(0);
  for (let id = -1; out.length < partitions * FLUSH_PER_PARTITION; id -= 1) {
    const p = partitionOf(String(id));
    if (perPartition[p]! >= FLUSH_PER_PARTITION) continue;
    perPartition[p]! += 1;
    const bid: Bid = { auction: id, bidder: 0, price: 0, channel: 'flush', url: '', dateTime: at, extra: '' };
    out.push({ ...encodeBid(bid), partition: p });
  }
  return out;
}

/**
 * Creates `topic` (if missing) with `partitions` partitions and writes the bids of every batch, in
 * order, each on its key's partition, then the flush bids. Returns the last real bid's `dateTime`.
 *
 * @example
 * const gen = new BidGenerator({ seed: 1 });
 * const maxDateTime = await produceBids(kafka, 'bids', 8, [gen.take(10_000)]);
 */
export async function produceBids(kafka: KafkaClientOptions, topic: string, partitions: number, batches: Iterable<readonly Bid[]>): Promise<number> {
  await ensureTopic(kafka, topic, partitions);
  const partitionOf = partitionerFor(partitions);
  const sink = new KafkaSink(kafka);
  await sink.connect();
  let maxDateTime = -Infinity;
  try {
    for (const batch of batches) {
      const records = batch.map((b) => {
        maxDateTime = Math.max(maxDateTime, b.dateTime);
        const r = encodeBid(b);
        return { ...r, partition: partitionOf(r.key) };
      });
      if (records.length > 0) await sink.send(topic, records);
    }
    if (maxDateTime === -Infinity) throw new RangeError('no bids to produce');
    await sink.send(topic, flushBids(maxDateTime, partitions));
  } finally {
    await sink.disconnect();
  }
  return maxDateTime;
}

/**
 * Creates `topic` (if missing) holding only the flush bids of an input whose last bid is at
 * `maxDateTime`: an engine's run over it costs what starting and stopping costs.
 *
 * @example
 * await produceFlushOnly(kafka, 'bids-empty', 8, new BidGenerator({ seed: 0 }).take(1)[0]!.dateTime);
 */
export async function produceFlushOnly(kafka: KafkaClientOptions, topic: string, partitions: number, maxDateTime: number): Promise<void> {
  await ensureTopic(kafka, topic, partitions);
  const sink = new KafkaSink(kafka);
  await sink.connect();
  await sink.send(topic, flushBids(maxDateTime, partitions)).finally(() => sink.disconnect());
}

async function ensureTopic(kafka: KafkaClientOptions, topic: string, partitions: number): Promise<void> {
  const admin = new KafkaAdmin(kafka);
  await admin.connect();
  await admin.ensureTopics([{ name: topic, partitions }]).finally(() => admin.disconnect());
}
