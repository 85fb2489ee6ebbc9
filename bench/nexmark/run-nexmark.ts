/**
 * Nexmark q5 side by side: Eddy (bench/nexmark/q5-job.ts) and Flink SQL (q5.sql) over the same bids
 * on the same broker, repetitions alternating engines, every run's output checked against the
 * naive reference; engine and broker CPU per run, and one empty run per engine (only the flush bids)
 * for its start-up cost. Writes results.json and results.md to --out. Flags: USAGE (`npm run bench:nexmark -- --help`).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as z from 'zod';
import { KafkaAdmin } from '../../connectors/kafka/admin.js';
import { kafkaClientOptions } from '../../connectors/kafka/config.js';
import { numberFlag } from '../../engine/config/units.js';
import { measureRun, type RunEnd } from '../harness/engine-run.js';
import { machineFacts } from '../harness/machine-facts.js';
import { brokerCpuMeter } from '../harness/proc-stats.js';
import { gitCommit, resultsFolder, writeResults } from '../harness/results-folder.js';
import { benchOptions, commandLine, runAsScript } from '../harness/script.js';
import { Q5_OUT_OF_ORDERNESS_MS, Q5_WINDOW, type Bid } from './bid.js';
import { BidGenerator } from './bid-generator.js';
import { produceBids, produceFlushOnly } from './bid-topic.js';
import { Q5Check } from './q5-check.js';
import { Q5_ENGINES, type Q5Engine as Engine } from './q5-engines.js';
import { Q5Reference } from './q5-reference.js';
import { q5Markdown, ratiosOf, summarizeQ5, type Q5Results } from './q5-report.js';

const Options = z.strictObject({
  brokers: z.string().default('127.0.0.1:9092'),
  bids: numberFlag((n) => n.int().positive()).default(2_000_000),
  partitions: numberFlag((n) => n.int().positive()).default(8),
  repetitions: numberFlag((n) => n.int().positive()).default(5),
  engines: z
    .string()
    .default('eddy,flink-sql')
    .transform((s) => s.split(',').map((e) => e.trim()))
    .refine((names) => names.length > 0 && names.every((n) => Q5_ENGINES.some((e) => e.name === n)), { message: `must name engines among ${Q5_ENGINES.map((e) => e.name).join(', ')}` }),
  seed: numberFlag((n) => n.int().nonnegative()).default(1),
  timeout: numberFlag((n) => n.positive()).default(1_800),
  emptyRuns: z.enum(['yes', 'no']).default('yes'),
  out: z.string().min(1).optional(),
});

const USAGE = `Usage: npm run bench:nexmark -- [options]

Nexmark q5 (hot items: per 10 s window sliding by 2 s, the auctions with the most bids), Eddy and
Flink SQL side by side on the same bids; every run's output checked against the reference.

  --bids N          bids produced (default 2000000), Nexmark's distributions, 10,000 events/s of event time
  --partitions N    input partitions (default 8)
  --repetitions N   runs per engine, alternating engines, order reversed every other time (default 5)
  --engines LIST    eddy,flink-sql (default)
  --seed N          generator seed (default 1)
  --timeout S       seconds one engine run may take (default 1800)
  --empty-runs yes|no  first run each engine once over only the flush bids, to report its start-up CPU (default yes)
  --brokers LIST    Kafka (default 127.0.0.1:9092)
  --out DIR         where results.json and results.md go (default bench/results/nexmark-q5-<date>-<commit>)
`;

const BATCH = 20_000;

/** Generates the bids in batches, feeding each to the reference before it is produced. */
function* batches(gen: BidGenerator, count: number, ref: Q5Reference): Generator<Bid[]> {
  for (let done = 0; done < count; done += BATCH) {
    const batch = gen.take(Math.min(BATCH, count - done));
    for (const b of batch) ref.add(b);
    yield batch;
  }
}

export async function runNexmark(argv: string[], log: (line: string) => void = console.log): Promise<Q5Results | undefined> {
  const o = benchOptions(argv, Options, USAGE);
  if (!o) return undefined;
  const kafka = kafkaClientOptions({ brokers: o.brokers, clientId: 'eddy-bench-nexmark', logLevel: 'nothing' });
  const startedAt = new Date().toISOString();
  const commit = gitCommit();
  const broker = brokerCpuMeter(o.brokers);
  if (broker.why) log(`broker CPU not measured: ${broker.why}`);

  const skipped: Record<string, string> = {};
  const engines = Q5_ENGINES.filter((e) => o.engines.includes(e.name)).filter((e) => {
    const why = e.prepare(log);
    if (why) log(`skipping ${e.name}: ${why}`);
    if (why) skipped[e.name] = why;
    return !why;
  });
  if (engines.length === 0) throw new Error('no engine can run');

  const input = `nexmark-bids-${o.bids}-${o.seed}-${Date.now()}`;
  log(`producing ${o.bids.toLocaleString('en-US')} bids to ${input} (${o.partitions} partitions) and computing the reference…`);
  const ref = new Q5Reference();
  await produceBids(kafka, input, o.partitions, batches(new BidGenerator({ seed: o.seed }), o.bids, ref));
  const expected = ref.result();
  const windows = new Set(expected.hot.map((h) => h.windowStart)).size;
  log(`expecting ${expected.hot.length.toLocaleString('en-US')} (window, auction, count) rows in ${windows} windows`);

  const run = async (engine: Engine, topic: string, label: string, end: (id: string) => RunEnd) => {
    const id = `nexmark-q5-${engine.name}-${label}-${Date.now()}`;
    const stateDir = mkdtempSync(join(tmpdir(), `${id}-`));
    // Created first, so the checker follows it from the start.
    const admin = new KafkaAdmin(kafka);
    await admin.connect();
    await admin.ensureTopics([{ name: `${id}-out`, partitions: 1 }]).finally(() => admin.disconnect());
    const m = await measureRun(engine.argv({ brokers: o.brokers, input: topic, output: `${id}-out`, groupId: id, stateDir, checkpointIntervalMs: 5_000 }), {
      kafka, timeoutMs: o.timeout * 1000, log, ...(broker.cpuSeconds ? { brokerCpu: broker.cpuSeconds } : {}), ...end(id),
    });
    rmSync(stateDir, { recursive: true, force: true });
    return { ...m, engine: engine.name };
  };

  const emptyRuns: NonNullable<Q5Results['emptyRuns']> = [];
  if (o.emptyRuns === 'yes') {
    // Only the flush bids; like the throughput script's, the run ends when the group has committed their end, or when
    // the engine exits by itself (both run bounded; Flink commits group offsets only at checkpoints).
    const empty = `${input}-empty`;
    // Timed after the generator's first bid, as they would follow an input of that one bid.
    await produceFlushOnly(kafka, empty, o.partitions, new BidGenerator({ seed: 0 }).take(1)[0]!.dateTime);
    for (const engine of engines) {
      log(`empty run: ${engine.name}…`);
      const m = await run(engine, empty, 'empty', (id) => ({ caughtUp: { groupId: id, topic: empty } }));
      emptyRuns.push(m);
      log(`  ${m.correct ? '' : `FAILED (${m.problems[0]}): `}${m.cpuSeconds.toFixed(1)} CPU-s, ${m.wallSeconds.toFixed(1)} s wall`);
    }
  }

  const runs: Q5Results['runs'] = [];
  for (let rep = 1; rep <= o.repetitions; rep += 1) {
    // Alternate the order, so no engine always runs first (cold caches) or last.
    for (const engine of rep % 2 === 1 ? engines : [...engines].reverse()) {
      log(`[${rep}/${o.repetitions}] ${engine.name}…`);
      const m = await run(engine, input, String(rep), (id) => ({ check: { output: `${id}-out`, checker: new Q5Check(expected) } }));
      runs.push({ ...m, repetition: rep });
      log(`  ${m.correct ? 'correct' : `WRONG (${m.problems[0]})`}: ${m.wallSeconds.toFixed(1)} s wall, ${m.cpuSeconds.toFixed(1)} CPU-s (broker ${m.brokerCpuSeconds.toFixed(1)}), ${Math.round(o.bids / m.cpuSeconds).toLocaleString('en-US')} bids/CPU-s, ${m.peakRssMb} MB`);
    }
  }

  const summary = engines.map((e) => summarizeQ5(e.name, runs.filter((r) => r.engine === e.name), o.bids, emptyRuns.find((r) => r.engine === e.name && (r.correct || r.exitCode === 0))?.cpuSeconds));
  const ratios = ratiosOf(summary);
  const results: Q5Results = {
    startedAt,
    command: commandLine('bench:nexmark', argv),
    commit,
    machine: machineFacts(),
    workload: { bids: o.bids, partitions: o.partitions, seed: o.seed, windowMs: Q5_WINDOW.sizeMs, slideMs: Q5_WINDOW.slideMs, outOfOrdernessMs: Q5_OUT_OF_ORDERNESS_MS, windows, expectedRows: expected.hot.length },
    skipped,
    ...(broker.why ? { brokerCpuNote: broker.why } : {}),
    emptyRuns,
    runs,
    summary,
    ...(ratios ? { ratios } : {}),
  };
  const out = o.out ?? resultsFolder(join('bench', 'results'), 'nexmark-q5', startedAt, commit);
  writeResults(out, { json: results, markdown: q5Markdown(results) }, log);
  return results;
}

runAsScript('run-nexmark.js', 'bench:nexmark', (argv) => runNexmark(argv));
