/**
 * Single-thread engine micro-benchmark: records/s through keyBy → sliding-window count → top-K, with
 * RocksDB and with memory state, on pre-decoded watch events (no Kafka, no JSON): the engine alone.
 *
 *   npm run bench:engine -- [--events 500000] [--items 10000] [--batch 2000] [--restore-at N]
 *
 * `--restore-at N`: also runs each backend with a restart after N events (the operators flushed, then
 * new ones restored from the same state, as after a crash or a partition move), alternating with
 * runs without.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { WatchEventGenerator } from '../connectors/generator/watch-event-generator.js';
import type { WatchEvent } from '../jobs/shared/watch-event.js';
import contentPopularity from '../jobs/content-popularity/job.js';
import { buildJob } from '../engine/api/job-definition.js';
import { LocalExecutor } from '../engine/runtime/local-executor.js';
import { MemoryStateBackend } from '../engine/state/memory-backend.js';
import { RocksDbStateBackend } from '../engine/state/rocksdb-backend.js';
import type { StateBackend } from '../engine/state/state-backend.js';

export interface EngineBenchResult {
  backend: 'memory' | 'rocksdb';
  events: number;
  seconds: number;
  eventsPerSecond: number;
  results: number;
}

/** Generates `events` watch events (20k/min of event time) once, decoded. */
export function benchEvents(events: number, items: number): WatchEvent[] {
  const gen = new WatchEventGenerator({
    seed: 1, items, zipf: 1.1, categories: ['movies', 'series', 'sports', 'news', 'kids'], startTime: 1_763_800_000_000,
    eventsPerSecond: 20_000 / 60, outOfOrderMs: 5_000, lateFraction: 0, badFraction: 0,
  });
  return gen.nextBatch(events).map((r) => JSON.parse(r.value.toString()) as WatchEvent);
}

/**
 * Pushes the events through content-popularity's operators in one thread; returns the rate. With
 * `restoreAt`, the operators are replaced by ones restored from their state after that many events.
 */
export async function runEngineBench(events: readonly WatchEvent[], backend: 'memory' | 'rocksdb', batch: number, restoreAt?: number): Promise<EngineBenchResult> {
  const job = buildJob(contentPopularity, { outOfOrderness: '5s' });
  const dir = mkdtempSync(join(tmpdir(), 'eddy-bench-'));
  const state: StateBackend = backend === 'memory' ? new MemoryStateBackend() : await RocksDbStateBackend.open(dir, { memoryBudgetBytes: 256 << 20 });
  let results = 0;
  const executor = (): LocalExecutor => new LocalExecutor(job, { parallelism: 1, backends: [state], onSink: (id, rs) => void (id === 'trending' && (results += rs.length)) });
  let current = executor();
  const start = performance.now();
  let maxTs = -Infinity;
  let restoreNext = restoreAt ?? Infinity;
  for (let i = 0; i < events.length; i += batch) {
    if (i >= restoreNext) {
      await current.flush();
      current = executor();
      await current.restore(maxTs - 5_000 - 1);
      restoreNext = Infinity;
    }
    const chunk = events.slice(i, i + batch);
    for (const e of chunk) if (e.eventTime > maxTs) maxTs = e.eventTime;
    await current.pushSource('watch-events', chunk);
    await current.advanceWatermark(maxTs - 5_000 - 1);
  }
  await current.advanceWatermark(Infinity);
  const seconds = (performance.now() - start) / 1000;
  await state.close();
  rmSync(dir, { recursive: true, force: true });
  return { backend, events: events.length, seconds, eventsPerSecond: events.length / seconds, results };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { events: { type: 'string', default: '500000' }, items: { type: 'string', default: '10000' }, batch: { type: 'string', default: '2000' }, 'restore-at': { type: 'string' } } });
  const events = benchEvents(Number(values.events), Number(values.items));
  const restoreAt = values['restore-at'] === undefined ? undefined : Number(values['restore-at']);
  console.log(`engine micro-benchmark: ${events.length} events, ${values.items} items, batches of ${values.batch}, Node ${process.version}`);
  const runs = restoreAt === undefined ? [undefined] : [undefined, restoreAt];
  for (const backend of ['memory', 'rocksdb', 'memory', 'rocksdb'] as const) {
    for (const at of runs) {
      const r = await runEngineBench(events, backend, Number(values.batch), at);
      const label = at === undefined ? backend : `${backend}, restored after ${at.toLocaleString('en-US')}`;
      console.log(`${label.padEnd(8)} ${Math.round(r.eventsPerSecond).toLocaleString('en-US').padStart(10)} events/s  (${r.seconds.toFixed(2)} s, ${r.results} rankings)`);
    }
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
