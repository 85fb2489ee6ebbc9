/**
 * The side-by-side benchmark: the content-popularity job in Eddy and the baselines (Apache Flink,
 * Kafka Streams, Quix Streams) over the same input on the same broker, in one session, repetitions
 * alternating engines. Writes bench/results/<time>.json, latest.json, latest.md and latest.svg.
 * Flags: USAGE below (`npm run bench -- --help`).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as z from 'zod';
import { KafkaAdmin } from '../connectors/kafka/admin.js';
import { kafkaClientOptions, type KafkaClientOptions } from '../connectors/kafka/config.js';
import { durationMs, numberFlag, ratePerSecond } from '../engine/config/units.js';
import { measureRun } from './harness/engine-run.js';
import { measureLatency } from './harness/latency-run.js';
import { ENGINES, missing } from './harness/engines.js';
import { machineFacts } from './harness/machine-facts.js';
import { markdown, summarize, svgChart, type BenchResults } from './harness/report.js';
import { benchOptions, runAsScript } from './harness/script.js';
import { benchRecords, expectedOutput, produceWorkload, type WorkloadSpec } from './harness/workload.js';

const Options = z.strictObject({
  brokers: z.string().default('127.0.0.1:9092'),
  events: numberFlag((n) => n.int().positive()).default(2_000_000),
  items: numberFlag((n) => n.int().positive()).default(100_000),
  zipf: numberFlag((n) => n.min(0)).default(1.1),
  partitions: numberFlag((n) => n.int().positive()).default(8),
  repetitions: numberFlag((n) => n.int().positive()).default(3),
  engines: z.string().default('eddy,flink,kafka-streams,quix').transform((s) => s.split(',').map((e) => e.trim())),
  seed: numberFlag((n) => n.int().nonnegative()).default(1),
  window: durationMs.prefault('10m'),
  slide: durationMs.prefault('1m'),
  outOfOrderness: durationMs.prefault('30s'),
  timeout: numberFlag((n) => n.positive()).default(1_800),
  /** Input rates of the latency runs; empty: no latency runs. */
  latencyRates: z.string().default('20000/min,20000/s').transform((s) => s.split(',').map((r) => r.trim()).filter((r) => r.length > 0)),
  latencyDuration: durationMs.prefault('5m'),
  latencyWarmup: durationMs.prefault('1m'),
  latencyEngines: z.string().optional(),
  out: z.string().default('bench/results'),
});

const USAGE = `Usage: npm run bench -- [options]

Catch-up throughput and latency at fixed rates, Eddy and the baselines side by side.

  --engines LIST          eddy,flink,kafka-streams,quix (default; also eddy-memory, and eddy-p1,
                          eddy-p1-main and eddy-confluent: one member on kafkajs in a worker thread or
                          on the main thread, or on the Confluent client)
  --events N              events preloaded for the catch-up runs (default 2000000)
  --items N               distinct content ids (default 100000), Zipf --zipf S (default 1.1)
  --partitions N          input partitions (default 8)
  --repetitions N         catch-up runs per engine, alternating engines (default 3)
  --seed N                generator seed (default 1)
  --window D / --slide D  sliding window (default 10m / 1m); --out-of-orderness D (default 30s)
  --timeout S             seconds one engine run may take (default 1800)
  --latency-rates LIST    input rates of the latency runs (default 20000/min,20000/s; '' for none)
  --latency-duration D    length of each latency run (default 5m), after --latency-warmup D (default 1m)
  --latency-engines LIST  engines of the latency runs (default: --engines)
  --brokers LIST          Kafka (default 127.0.0.1:9092)
  --out DIR               where results go (default bench/results)
`;

export async function runBenchmarks(argv: string[], log: (line: string) => void = console.log): Promise<BenchResults | undefined> {
  const o = benchOptions(argv, Options, USAGE);
  if (!o) return undefined;
  const unknown = o.engines.filter((e) => !ENGINES.some((x) => x.name === e));
  if (unknown.length > 0) throw new Error(`--engines: unknown engine(s) ${unknown.join(', ')} (known: ${ENGINES.map((e) => e.name).join(', ')})`);
  const engines = ENGINES.filter((e) => o.engines.includes(e.name));
  const spec: WorkloadSpec = { events: o.events, items: o.items, zipf: o.zipf, partitions: o.partitions, seed: o.seed, windowMs: o.window, slideMs: o.slide, top: 10, outOfOrdernessMs: o.outOfOrderness };
  const kafka = kafkaClientOptions({ brokers: o.brokers, clientId: 'eddy-bench', logLevel: 'nothing' });

  const runnable = engines.filter((e) => {
    const why = missing(e);
    if (why) log(`skipping ${e.name}: ${why}`);
    return !why;
  });
  for (const e of runnable) {
    if (!e.build) continue;
    log(`building ${e.name}…`);
    execFileSync(e.build[0]!, e.build.slice(1), { stdio: ['ignore', 'inherit', 'inherit'] });
  }

  const startedAt = new Date().toISOString();
  const input = `bench-in-${o.events}-${o.seed}-${Date.now()}`;
  log(`generating ${o.events.toLocaleString('en-US')} events and the reference…`);
  const records = benchRecords(spec);
  const expected = expectedOutput(spec, records);
  log(`producing to ${input} (${o.partitions} partitions)…`);
  await produceWorkload(kafka, input, spec, records);
  log(`expecting ${expected.rankings.size.toLocaleString('en-US')} rankings`);

  const runs: BenchResults['runs'] = [];
  for (let rep = 1; rep <= o.repetitions; rep += 1) {
    // Alternate the order, so no engine always runs first (cold caches) or last.
    const order = rep % 2 === 1 ? runnable : [...runnable].reverse();
    for (const engine of order) {
      const id = `bench-${engine.name}-${rep}-${Date.now()}`;
      const stateDir = mkdtempSync(join(tmpdir(), `${id}-`));
      log(`[${rep}/${o.repetitions}] ${engine.name}…`);
      // Created here, so the checker can follow it from the start (and engines that do not create topics can write).
      await ensureTopic(kafka, `${id}-out`);
      const m = await measureRun(engine.argv({ brokers: o.brokers, input, output: `${id}-out`, groupId: id, stateDir, spec, checkpointIntervalMs: 5_000, bounded: true }), {
        kafka, output: `${id}-out`, expected, timeoutMs: o.timeout * 1000, log,
      });
      rmSync(stateDir, { recursive: true, force: true });
      runs.push({ ...m, engine: engine.name, repetition: rep });
      log(`  ${m.correct ? 'correct' : `WRONG (${m.problems[0]})`}: ${m.wallSeconds.toFixed(1)} s wall, ${m.cpuSeconds.toFixed(1)} CPU-s, ${Math.round(o.events / m.cpuSeconds).toLocaleString('en-US')} events/CPU-s, ${m.peakRssMb} MB`);
    }
  }

  const latency: BenchResults['latency'] = [];
  const latencyEngines = o.latencyEngines === undefined ? runnable : runnable.filter((e) => o.latencyEngines!.split(',').includes(e.name));
  for (const rate of o.latencyRates) {
    for (const engine of latencyEngines) {
      const id = `bench-latency-${engine.name}-${Date.now()}`;
      const stateDir = mkdtempSync(join(tmpdir(), `${id}-`));
      log(`latency at ${rate}: ${engine.name} (${(o.latencyWarmup + o.latencyDuration) / 60_000} min)…`);
      await ensureTopic(kafka, `${id}-out`);
      await ensureTopic(kafka, `${id}-in`, o.partitions);
      const argv = engine.argv({ brokers: o.brokers, input: `${id}-in`, output: `${id}-out`, groupId: id, stateDir, spec, checkpointIntervalMs: 5_000, bounded: false });
      const l = await measureLatency(argv, {
        kafka, input: `${id}-in`, output: `${id}-out`, spec, eventsPerSecond: ratePerSecond.parse(rate), durationMs: o.latencyDuration, warmupMs: o.latencyWarmup, log,
      });
      rmSync(stateDir, { recursive: true, force: true });
      latency.push({ engine: engine.name, rate, rankings: l.rankings, p50Ms: l.p50Ms, p99Ms: l.p99Ms, cpuShareOfOneCore: l.cpuShareOfOneCore, peakRssMb: l.peakRssMb });
      log(`  ${l.rankings} rankings: p50 ${Math.round(l.p50Ms)} ms, p99 ${Math.round(l.p99Ms)} ms, max ${Math.round(l.maxMs)} ms; CPU ${(l.cpuShareOfOneCore * 100).toFixed(1)}% of one core; RSS ${l.peakRssMb} MB`);
    }
  }

  const summary = runnable.map((e) => summarize(e.name, runs.filter((r) => r.engine === e.name), o.events));
  const eddy = summary.find((s) => s.engine === 'eddy');
  const ratios: Record<string, number> = {};
  for (const s of summary) if (eddy?.correct && s.correct && s.engine !== 'eddy') ratios[s.engine] = eddy.eventsPerCpuSecond / s.eventsPerCpuSecond;
  const results: BenchResults = {
    startedAt,
    command: `npm run bench -- ${argv.join(' ')}`.trim(),
    machine: machineFacts(),
    workload: spec,
    runs,
    summary,
    latency,
    ratios,
  };
  mkdirSync(o.out, { recursive: true });
  const json = `${JSON.stringify(results, null, 2)}\n`;
  writeFileSync(join(o.out, `catch-up-${startedAt.replace(/[:.]/g, '-')}.json`), json);
  writeFileSync(join(o.out, 'latest.json'), json);
  writeFileSync(join(o.out, 'latest.md'), markdown(results));
  writeFileSync(join(o.out, 'latest.svg'), svgChart(results));
  log('');
  log(markdown(results));
  return results;
}

async function ensureTopic(kafka: KafkaClientOptions, name: string, partitions = 1): Promise<void> {
  const admin = new KafkaAdmin(kafka);
  await admin.connect();
  await admin.ensureTopics([{ name, partitions }]).finally(() => admin.disconnect());
}

runAsScript('run-benchmarks.js', 'bench', (argv) => runBenchmarks(argv));
