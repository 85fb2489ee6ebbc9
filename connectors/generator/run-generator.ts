/**
 * Produces watch events to Kafka: paced at a rate (the schedule is absolute from the start, so the rate
 * does not drift), or as fast as the broker takes them when only a count is given.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { KafkaAdmin } from '../kafka/admin.js';
import { kafkaClientOptions } from '../kafka/config.js';
import { KafkaSink } from '../kafka/sink.js';
import { ratesOf, startTimeOf, type GeneratorOptions } from './generator-options.js';
import { Pacer } from './pacer.js';
import { WatchEventGenerator } from './watch-event-generator.js';

/** Counts of what a run produced. */
export interface GeneratorProgress {
  produced: number;
  good: number;
  late: number;
  bad: number;
  elapsedMs: number;
  /** Events the run will produce in all, when known. */
  target: number | undefined;
}

export interface GeneratorRunHooks {
  signal?: AbortSignal;
  onProgress?: (p: GeneratorProgress) => void;
  progressIntervalMs?: number;
  log?: (line: string) => void;
}

const UNPACED_BATCH = 5_000;
const MIN_TICK_MS = 10;

/**
 * Creates the topic if it is missing, then produces until the count or duration is reached or the
 * signal aborts. Resolves with the final counts once every record is acknowledged.
 *
 * @example
 * const done = await runGenerator(GeneratorOptionsSchema.parse({ count: 1000, seed: 7 }));
 */
export async function runGenerator(opts: GeneratorOptions, hooks: GeneratorRunHooks = {}): Promise<GeneratorProgress> {
  const log = hooks.log ?? ((line: string) => console.error(line));
  const client = kafkaClientOptions({ ...opts.kafka, brokers: opts.brokers, clientId: opts.kafka.clientId ?? 'eddy-generate' });
  const admin = new KafkaAdmin(client);
  await admin.connect();
  try {
    const [topic] = await admin.ensureTopics([{ name: opts.topic, partitions: opts.partitions }]);
    if (topic && !topic.created && topic.partitions !== opts.partitions) {
      log(`topic ${opts.topic} exists with ${topic.partitions} partitions (not ${opts.partitions}); using it as it is`);
    }
  } finally {
    await admin.disconnect();
  }

  const { paced, eventTime } = ratesOf(opts);
  const startMs = Date.now();
  const generator = new WatchEventGenerator({
    seed: opts.seed,
    items: opts.items,
    zipf: opts.zipf,
    categories: opts.categories,
    startTime: startTimeOf(opts, startMs),
    eventsPerSecond: eventTime,
    outOfOrderMs: opts.outOfOrder,
    lateFraction: opts.lateFraction,
    badFraction: opts.badFraction,
  });
  const target = opts.count ?? (paced !== undefined && opts.duration !== undefined ? Math.floor((paced * opts.duration) / 1000) : undefined);
  // Paced with a duration, the target count ends the run (exactly rate × duration events);
  // unpaced, the clock does.
  const deadline = target === undefined && opts.duration !== undefined ? startMs + opts.duration : Infinity;
  const progress: GeneratorProgress = { produced: 0, good: 0, late: 0, bad: 0, elapsedMs: 0, target };

  const sink = new KafkaSink(client, { batchSize: UNPACED_BATCH });
  await sink.connect();
  const report = setInterval(() => hooks.onProgress?.({ ...progress, elapsedMs: Date.now() - startMs }), hooks.progressIntervalMs ?? 1_000);
  let generated = 0;
  const produce = async (n: number): Promise<void> => {
    const batch = generator.nextBatch(n);
    for (const r of batch) progress[r.kind] += 1;
    generated += n;
    await sink.send(opts.topic, batch);
  };
  try {
    const done = (): boolean => hooks.signal?.aborted === true || (target !== undefined && generated >= target) || Date.now() >= deadline;
    if (paced === undefined) {
      while (!done()) {
        await produce(Math.min(UNPACED_BATCH, (target ?? Infinity) - generated));
        progress.produced = sink.sentCount;
      }
    } else {
      const pacer = new Pacer(paced, startMs);
      while (!done()) {
        const due = Math.min(pacer.due(Date.now()), target ?? Infinity);
        if (due > generated) {
          await produce(due - generated);
          await sink.flush();
          progress.produced = sink.sentCount;
        }
        const nextDueAt = pacer.dueAt(generated + 1);
        await sleep(Math.max(MIN_TICK_MS, nextDueAt - Date.now()), undefined, { signal: hooks.signal }).catch(() => undefined);
      }
    }
    await sink.flush();
    progress.produced = sink.sentCount;
  } finally {
    clearInterval(report);
    await sink.disconnect();
  }
  progress.elapsedMs = Date.now() - startMs;
  return progress;
}
