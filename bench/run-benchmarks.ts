/**
 * The throughput benchmark: the content-popularity job in Eddy and the baselines (Apache Flink in three
 * forms, Kafka Streams, Quix Streams), and the ceiling (kafkajs alone reading and checking the input),
 * over the same input on the same broker, in one session: repetitions alternating engines, every
 * output checked. Writes results.json, results.md and chart.svg into a folder named by its commit.
 * Flags: USAGE below (`npm run bench -- --help`).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as z from 'zod';
import { KafkaAdmin } from '../connectors/kafka/admin.js';
import { kafkaClientOptions, type KafkaClientOptions } from '../connectors/kafka/config.js';
import { durationMs, numberFlag } from '../engine/config/units.js';
import { measureRun, OutputCheck, type RunEnd } from './harness/engine-run.js';
import { ROOT, prepareEngines, type Engine } from './harness/engines.js';
import { machineFacts } from './harness/machine-facts.js';
import { brokerCpuMeter } from './harness/proc-stats.js';
import { markdown, summarize, svgChart, type BenchResults, type MeasuredRun } from './harness/report.js';
import { gitCommit, resultsFolder, writeResults } from './harness/results-folder.js';
import { benchOptions, commandLine, runAsScript } from './harness/script.js';
import { benchRecords, expectedOutput, flushRecords, produceRecords, produceWorkload, type Expected, type WorkloadSpec } from './harness/workload.js';

/**
 * Engines slow enough that a few million events take most of a session read a prefix of the input:
 * their start-up is a small share of their CPU already (Quix 0.2%, Kafka Streams 4.1% and Flink naive
 * 4.8% at 2M events at 9d5b8c3), where the fast engines need the full input to get theirs under 5%.
 */
const SLOW_ENGINE_EVENTS = 'flink-naive=2000000,kafka-streams=2000000,quix=500000';

/** `engine=N,…` as a map, each N a positive integer. */
const engineCounts = z.string().transform((s, ctx) => {
  const out = new Map<string, number>();
  for (const item of s.split(',').map((x) => x.trim()).filter(Boolean)) {
    const m = /^([\w-]+)=(\d+)$/.exec(item);
    if (!m || Number(m[2]) <= 0) {
      ctx.addIssue({ code: 'custom', message: `expects engine=N,… with N a positive integer, got "${item}"` });
      return z.NEVER;
    }
    out.set(m[1]!, Number(m[2]));
  }
  return out;
});

const Options = z.strictObject({
  brokers: z.string().default('127.0.0.1:9092'),
  events: numberFlag((n) => n.int().positive()).default(7_000_000),
  eventsFor: z.string().default(SLOW_ENGINE_EVENTS).pipe(engineCounts),
  items: numberFlag((n) => n.int().positive()).default(100_000),
  zipf: numberFlag((n) => n.min(0)).default(1.1),
  partitions: numberFlag((n) => n.int().positive()).default(8),
  repetitions: numberFlag((n) => n.int().positive()).default(5),
  engines: z.string().default('eddy,eddy-p1,flink-sql,flink-tuned,flink-naive,kafka-streams,quix').transform((s) => s.split(',').map((e) => e.trim())),
  ceiling: z.enum(['yes', 'no']).default('yes'),
  emptyRuns: z.enum(['yes', 'no']).default('yes'),
  seed: numberFlag((n) => n.int().nonnegative()).default(1),
  window: durationMs.prefault('10m'),
  slide: durationMs.prefault('1m'),
  outOfOrderness: durationMs.prefault('30s'),
  timeout: numberFlag((n) => n.positive()).default(1_800),
  out: z.string().default('bench/results'),
});

const USAGE = `Usage: npm run bench -- [options]

Catch-up throughput: every engine from the start of one preloaded input to its complete output.

  --engines LIST          eddy,eddy-p1,flink-sql,flink-tuned,flink-naive,kafka-streams,quix (default;
                          also eddy-memory, eddy-p1-main, eddy-confluent)
  --ceiling yes|no        also run the ceiling: kafkajs alone reading, parsing and checking the input (default yes)
  --empty-runs yes|no     first run each engine once over an input of flush events only, to report
                          its start-up CPU (default yes)
  --events N              events preloaded (default 7000000)
  --events-for LIST       engines that read only the first N of them, as engine=N,… (default
                          ${SLOW_ENGINE_EVENTS}; N above --events means all)
  --items N               distinct content ids (default 100000), Zipf --zipf S (default 1.1)
  --partitions N          input partitions (default 8)
  --repetitions N         runs per engine, alternating engines, the order reversed every other time (default 5)
  --seed N                generator seed (default 1)
  --window D / --slide D  sliding window (default 10m / 1m); --out-of-orderness D (default 30s)
  --timeout S             seconds one engine run may take (default 1800)
  --brokers LIST          Kafka (default 127.0.0.1:9092); the broker's CPU is measured when it is the
                          one \`eddy kafka start\` runs on this machine
  --out DIR               results go to DIR/throughput-<day>-<commit>/ (default bench/results)
`;

/** The ceiling as an engine: the bare client (bench/harness/client-run.ts, mode `parse`) reading every record of the input. */
function ceiling(records: number): Engine {
  return { name: 'ceiling', argv: (a) => [process.execPath, join(ROOT, 'dist', 'bench', 'harness', 'client-run.js'), 'kafkajs', 'parse', a.brokers, a.input, String(records)] };
}

export async function runBenchmarks(argv: string[], log: (line: string) => void = console.log): Promise<BenchResults | undefined> {
  const o = benchOptions(argv, Options, USAGE);
  if (!o) return undefined;
  const spec: WorkloadSpec = { events: o.events, items: o.items, zipf: o.zipf, partitions: o.partitions, seed: o.seed, windowMs: o.window, slideMs: o.slide, top: 10, outOfOrdernessMs: o.outOfOrderness };
  const kafka = kafkaClientOptions({ brokers: o.brokers, clientId: 'eddy-bench', logLevel: 'nothing' });
  const broker = brokerCpuMeter(o.brokers);
  if (broker.why) log(`broker CPU not measured: ${broker.why}`);

  const runnable = prepareEngines(o.engines, log);

  const startedAt = new Date().toISOString();
  const commit = gitCommit();
  log(`generating ${o.events.toLocaleString('en-US')} events…`);
  const records = benchRecords(spec);
  const eventsOf = (engine: string): number => Math.min(o.events, o.eventsFor.get(engine) ?? o.events);
  // One topic per distinct count: the first N events and their own flush events, with their own reference.
  const inputs = new Map<number, { topic: string; expected: Expected }>();
  const measured = o.ceiling === 'yes' ? [ceiling(eventsOf('ceiling') + flushRecords(spec, 0).length), ...runnable] : runnable;
  for (const events of new Set(measured.map((e) => eventsOf(e.name)))) {
    const prefix = { ...spec, events };
    const slice = events === o.events ? records : records.slice(0, events);
    const topic = `bench-in-${events}-${o.seed}-${Date.now()}`;
    log(`computing the reference for ${events.toLocaleString('en-US')} events and producing them to ${topic} (${o.partitions} partitions)…`);
    const expected = expectedOutput(prefix, slice);
    await produceWorkload(kafka, topic, prefix, slice);
    log(`  expecting ${expected.rankings.size.toLocaleString('en-US')} rankings`);
    inputs.set(events, { topic, expected });
  }

  const run = async (engine: Engine, topic: string, label: string, end: (id: string) => RunEnd): Promise<MeasuredRun & { id: string }> => {
    const id = `bench-${engine.name}-${label}-${Date.now()}`;
    const stateDir = mkdtempSync(join(tmpdir(), `${id}-`));
    // Created here, so the checker can follow it from the start (and engines that do not create topics can write).
    await ensureTopic(kafka, `${id}-out`);
    const m = await measureRun(engine.argv({ brokers: o.brokers, input: topic, output: `${id}-out`, groupId: id, stateDir, spec, checkpointIntervalMs: 5_000, bounded: true }), {
      kafka, timeoutMs: o.timeout * 1000, log, ...(broker.cpuSeconds ? { brokerCpu: broker.cpuSeconds } : {}), ...end(id),
    });
    rmSync(stateDir, { recursive: true, force: true });
    return { ...m, engine: engine.name, repetition: 0, id };
  };

  const emptyRuns: MeasuredRun[] = [];
  if (o.emptyRuns === 'yes') {
    // Only the flush events: what an engine spends to start, read nothing much and stop.
    const empty = `bench-in-empty-${Date.now()}`;
    await produceRecords(kafka, empty, spec, flushRecords(spec, 0));
    for (const engine of runnable) {
      log(`empty run: ${engine.name}…`);
      const m = await run(engine, empty, 'empty', (id) => ({ caughtUp: { groupId: id, topic: empty } }));
      emptyRuns.push({ ...m, repetition: 0 });
      log(`  ${m.correct ? '' : `FAILED (${m.problems[0]}): `}${m.cpuSeconds.toFixed(1)} CPU-s, ${m.wallSeconds.toFixed(1)} s wall`);
    }
  }

  const runs: MeasuredRun[] = [];
  for (let rep = 1; rep <= o.repetitions; rep += 1) {
    // Alternate the order, so no engine always runs first (cold caches) or last.
    const order = rep % 2 === 1 ? measured : [...measured].reverse();
    for (const engine of order) {
      const events = eventsOf(engine.name);
      const { topic, expected } = inputs.get(events)!;
      log(`[${rep}/${o.repetitions}] ${engine.name} (${events.toLocaleString('en-US')} events)…`);
      const m = await run(engine, topic, String(rep), (id) => (engine.name === 'ceiling' ? {} : { check: { output: `${id}-out`, checker: new OutputCheck(expected) } }));
      runs.push({ ...m, repetition: rep });
      log(`  ${m.correct ? 'correct' : `WRONG (${m.problems[0]})`}: ${m.wallSeconds.toFixed(1)} s wall, ${m.cpuSeconds.toFixed(1)} CPU-s (broker ${m.brokerCpuSeconds.toFixed(1)}), ${Math.round(events / m.cpuSeconds).toLocaleString('en-US')} events/CPU-s, ${m.peakRssMb} MB`);
    }
  }

  const summary = measured.map((e) => summarize(e.name, runs.filter((r) => r.engine === e.name), eventsOf(e.name), emptyRuns.find((r) => r.engine === e.name)?.cpuSeconds));
  const results: BenchResults = {
    startedAt,
    commit,
    command: commandLine('bench', argv),
    machine: machineFacts(),
    workload: spec,
    ...(broker.why ? { brokerCpuNote: broker.why } : {}),
    emptyRuns,
    runs,
    summary,
  };
  writeResults(resultsFolder(o.out, 'throughput', startedAt, commit), { json: results, markdown: markdown(results), svg: svgChart(results) }, log);
  return results;
}

async function ensureTopic(kafka: KafkaClientOptions, name: string, partitions = 1): Promise<void> {
  const admin = new KafkaAdmin(kafka);
  await admin.connect();
  await admin.ensureTopics([{ name, partitions }]).finally(() => admin.disconnect());
}

runAsScript('run-benchmarks.js', 'bench', (argv) => runBenchmarks(argv));
