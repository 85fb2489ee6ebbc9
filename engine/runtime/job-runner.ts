/**
 * Runs a job against Kafka in this process: a consumer-group source, the job's operators in P
 * in-thread tasks (LocalExecutor), per-partition watermarks, Kafka sinks and the dead-letter queue.
 * Bounded mode reads each partition up to the end offset found at start, then lets the watermark go
 * to +∞ so every window fires, and returns.
 *
 * Delivery here is at-least-once: output is flushed before offsets are committed.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { KafkaAdmin } from '../../connectors/kafka/admin.js';
import type { KafkaClientOptions } from '../../connectors/kafka/config.js';
import { KafkaDeadLetterQueue } from '../../connectors/kafka/dead-letter.js';
import { KafkaSink } from '../../connectors/kafka/sink.js';
import { KafkaSource, type PartitionBatch } from '../../connectors/kafka/source.js';
import type { BuiltJob } from '../api/job-builder.js';
import { MemoryStateBackend } from '../state/memory-backend.js';
import { RocksDbStateBackend } from '../state/rocksdb-backend.js';
import type { StateBackend } from '../state/state-backend.js';
import { END_OF_TIME, WatermarkTracker } from '../time/watermark-tracker.js';
import { LocalExecutor } from './local-executor.js';

export interface JobRunOptions {
  kafka: KafkaClientOptions;
  groupId: string;
  parallelism: number;
  stateBackend: 'rocksdb' | 'memory';
  /** Where RocksDB keeps each task's state (`<stateDir>/task-<i>`). */
  stateDir: string;
  bounded: boolean;
  /** How often idle partitions are re-checked for the watermark. */
  watermarkIntervalMs?: number;
  signal?: AbortSignal;
  log?: (line: string) => void;
}

export interface JobRunSummary {
  records: number;
  deadLettered: number;
  outputs: Record<string, number>;
  watermark: number;
}

/**
 * @example
 * const built = buildJob(contentPopularity, { inputTopic: 'watch-events' });
 * await runJob(built, { kafka, groupId: 'cp', parallelism: 2, stateBackend: 'rocksdb', stateDir: '/tmp/cp', bounded: true });
 */
export async function runJob(job: BuiltJob, opts: JobRunOptions): Promise<JobRunSummary> {
  const sources = job.graph.nodes.filter((n) => n.kind === 'source');
  if (sources.length !== 1) throw new Error(`the runner supports jobs with exactly one source; ${job.graph.job} has ${sources.length}`);
  const source = sources[0]!;
  const sourceFns = job.functions.get(source.id);
  if (sourceFns?.kind !== 'source') throw new Error(`source '${source.id}' has no serde or timestamp function`);
  const log = opts.log ?? ((l: string) => console.error(l));
  const sinkTopics = new Map(job.graph.nodes.flatMap((n) => (n.kind === 'sink' ? [[n.id, n.config.topic] as const] : [])));

  const admin = new KafkaAdmin(opts.kafka);
  await admin.connect();
  let ends: Map<number, bigint>;
  try {
    await admin.ensureTopics([...new Set([...sinkTopics.values(), source.config.deadLetterTopic])].map((name) => ({ name, partitions: 1 })));
    ends = new Map((await admin.offsets(source.config.topic)).map((o) => [o.partition, o.high]));
    if (opts.bounded) {
      // Partitions whose committed offset is already at the end have nothing to read.
      const committed = await admin.committedOffsets(opts.groupId, source.config.topic);
      for (const [p, end] of ends) if ((committed.get(p) ?? -1n) >= end || end === 0n) ends.set(p, -1n);
    }
  } finally {
    await admin.disconnect();
  }

  const backends: StateBackend[] = [];
  for (let i = 0; i < opts.parallelism; i += 1) {
    if (opts.stateBackend === 'memory') backends.push(new MemoryStateBackend());
    else {
      const dir = join(opts.stateDir, `task-${i}`);
      mkdirSync(dir, { recursive: true });
      backends.push(await RocksDbStateBackend.open(dir));
    }
  }
  const sink = new KafkaSink(opts.kafka);
  await sink.connect();
  const outputs: Record<string, number> = {};
  const executor = new LocalExecutor(job, {
    parallelism: opts.parallelism,
    backends,
    onSink: async (sinkId, records) => {
      outputs[sinkId] = (outputs[sinkId] ?? 0) + records.length;
      await sink.send(sinkTopics.get(sinkId)!, records.map((r) => ({ key: r.key, value: r.encoded })));
    },
  });
  const watermarks = new WatermarkTracker({ outOfOrdernessMs: source.config.outOfOrdernessMs, idleTimeoutMs: source.config.idleTimeoutMs });
  const dlqSink = new KafkaSink(opts.kafka);
  await dlqSink.connect();
  const kafkaSource = new KafkaSource(
    opts.kafka,
    { groupId: opts.groupId, topics: [source.config.topic], autoCommit: true },
    sourceFns.serde,
    new KafkaDeadLetterQueue(dlqSink, source.config.deadLetterTopic),
    { onAssignment: (owned) => owned.forEach((tp) => watermarks.add(tp.partition, Date.now())) },
  );

  let records = 0;
  let deadLettered = 0;
  let finished: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (finished = resolve));
  const ended = new Set<number>();
  const checkEnds = (): void => {
    if (!opts.bounded) return;
    for (const [p, end] of ends) if (end < 0n && !ended.has(p)) markEnded(p);
    if ([...ends.keys()].every((p) => ended.has(p))) finished();
  };
  const markEnded = (p: number): void => {
    ended.add(p);
    watermarks.end(p);
    kafkaSource.pause([{ topic: source.config.topic, partition: p }]);
  };
  // Serialises the work: batches from the consumer and idle-time watermark checks share the executor.
  let queue = Promise.resolve();
  const serial = (task: () => Promise<void>): Promise<void> => (queue = queue.then(task));
  const advance = async (): Promise<void> => {
    await executor.advanceWatermark(watermarks.current(Date.now()));
    await sink.flush();
  };

  const handle = (batch: PartitionBatch<unknown>): Promise<void> =>
    serial(async () => {
      const end = ends.get(batch.partition) ?? -1n;
      const within = opts.bounded ? batch.records.filter((r) => BigInt(r.offset) < end) : batch.records;
      const now = Date.now();
      for (const r of within) watermarks.observe(batch.partition, sourceFns.timestamp(r.value), now);
      await executor.pushSource(source.id, within.map((r) => r.value), batch.partition % opts.parallelism);
      records += within.length;
      deadLettered += batch.rejected;
      if (opts.bounded && batch.nextOffset >= end) markEnded(batch.partition);
      await advance();
      checkEnds();
    });

  await kafkaSource.start(handle);
  const ticker = setInterval(() => void serial(advance), opts.watermarkIntervalMs ?? 200);
  opts.signal?.addEventListener('abort', () => finished(), { once: true });
  checkEnds();
  try {
    await done;
    await serial(async () => {
      if (opts.bounded && !opts.signal?.aborted) await executor.advanceWatermark(END_OF_TIME);
      await sink.flush();
    });
  } finally {
    clearInterval(ticker);
    await kafkaSource.stop();
    await sink.disconnect();
    await dlqSink.disconnect();
    for (const b of backends) await b.close();
  }
  log(`${job.graph.job}: ${records} records, ${deadLettered} dead-lettered, outputs ${JSON.stringify(outputs)}`);
  return { records, deadLettered, outputs, watermark: executor.watermark };
}
