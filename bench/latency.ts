/**
 * The latency benchmark: every engine at fixed input rates and at two commit/checkpoint intervals,
 * each run long enough for ≥ 100 window closes, every ranking checked against the reference. Writes
 * results.json, results.md and chart.svg into a folder named by its commit.
 * Flags: USAGE below (`npm run bench:latency -- --help`).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as z from 'zod';
import { KafkaAdmin } from '../connectors/kafka/admin.js';
import { kafkaClientOptions } from '../connectors/kafka/config.js';
import { durationMs, numberFlag, ratePerSecond } from '../engine/config/units.js';
import { prepareEngines } from './harness/engines.js';
import { latencyMarkdown, latencySvg, type LatencyResults } from './harness/latency-report.js';
import { measureLatency } from './harness/latency-run.js';
import { machineFacts } from './harness/machine-facts.js';
import { brokerCpuMeter } from './harness/proc-stats.js';
import { gitCommit, resultsFolder, writeResults } from './harness/results-folder.js';
import { benchOptions, commandLine, runAsScript } from './harness/script.js';

/**
 * Kafka Streams' transaction timeout here (its default under exactly-once is 10 s). At start-up a stream
 * thread's first transaction lasts until all its tasks run, 8–16 s in these runs; past 10 s the broker
 * aborts it and fences the thread, whose tasks start again, so the measured minutes would show a start-up
 * effect. 60 s is the plain producer's default, and Flink's and Quix's are no shorter. The recovery run
 * keeps 10 s (bench/baselines/kafka-streams/README.md).
 */
const TRANSACTION_TIMEOUT_MS = 60_000;

/** An engine without a ranking this long after the minimum warm-up is measured anyway (and shows as fallen behind). */
const MAX_STARTUP_MS = 120_000;

const list = (s: string): string[] => s.split(',').map((x) => x.trim()).filter((x) => x.length > 0);

const Options = z.strictObject({
  brokers: z.string().default('127.0.0.1:9092'),
  engines: z.string().default('eddy,flink-sql,flink-tuned,flink-naive,kafka-streams,quix').transform(list),
  rates: z.string().default('20000/min,20000/s').transform(list),
  intervals: z.string().default('5s,1s').transform((s, ctx) => list(s).map((d) => {
    const r = durationMs.safeParse(d);
    if (!r.success) ctx.addIssue({ code: 'custom', message: `--intervals: ${d} is not a duration` });
    return r.success ? r.data : 0;
  })),
  items: numberFlag((n) => n.int().positive()).default(100_000),
  zipf: numberFlag((n) => n.min(0)).default(1.1),
  partitions: numberFlag((n) => n.int().positive()).default(8),
  seed: numberFlag((n) => n.int().nonnegative()).default(1),
  window: durationMs.prefault('10s'),
  slide: durationMs.prefault('1s'),
  outOfOrderness: durationMs.prefault('1s'),
  warmup: durationMs.prefault('30s'),
  settle: durationMs.prefault('20s'),
  duration: durationMs.prefault('2m'),
  grace: durationMs.prefault('60s'),
  out: z.string().default('bench/results'),
});

const USAGE = `Usage: npm run bench:latency -- [options]

Window close → ranking visible to a read_committed reader, at fixed input rates, every engine at each
commit/checkpoint interval; the output checked; engines that do not keep up reported as fallen behind.

  --engines LIST          eddy,flink-sql,flink-tuned,flink-naive,kafka-streams,quix (default)
  --rates LIST            input rates (default 20000/min,20000/s)
  --intervals LIST        commit/checkpoint intervals every engine runs at (default 5s,1s)
  --window D / --slide D  sliding window (default 10s / 1s: a window closes every second)
  --out-of-orderness D    the jobs' bounded out-of-orderness (default 1s; the input is in order)
  --warmup D              before measuring at least this long (default 30s) and --settle D after the engine's
                          first ranking (default 20s), then --duration D measured (default 2m: 120 closes)
  --grace D               how long rankings may still arrive after the input stops (default 60s: longer than
                          the slowest engine's delay, so a slow but steady engine is measured, not cut off)
  --items N / --zipf S    content ids and their skew (default 100000, 1.1); --partitions N (default 8); --seed N
  --brokers LIST          Kafka (default 127.0.0.1:9092)
  --out DIR               results go to DIR/latency-<day>-<commit>/ (default bench/results)
`;

export async function runLatencyBench(argv: string[], log: (line: string) => void = console.log): Promise<LatencyResults | undefined> {
  const o = benchOptions(argv, Options, USAGE);
  if (!o) return undefined;
  const rates = o.rates.map((r) => ({ label: r, perSecond: ratePerSecond.parse(r) }));
  const kafka = kafkaClientOptions({ brokers: o.brokers, clientId: 'eddy-bench', logLevel: 'nothing' });
  const broker = brokerCpuMeter(o.brokers);
  if (broker.why) log(`broker CPU not measured: ${broker.why}`);
  const engines = prepareEngines(o.engines, log);

  const spec = { events: 0, items: o.items, zipf: o.zipf, partitions: o.partitions, seed: o.seed, windowMs: o.window, slideMs: o.slide, top: 10, outOfOrdernessMs: o.outOfOrderness };
  const { events: _events, ...workload } = spec;
  const results: LatencyResults = {
    startedAt: new Date().toISOString(), commit: gitCommit(), command: commandLine('bench:latency', argv), machine: machineFacts(),
    workload, warmupMs: o.warmup, settleMs: o.settle, durationMs: o.duration, transactionTimeoutMs: TRANSACTION_TIMEOUT_MS, runs: [],
  };
  const dir = resultsFolder(o.out, 'latency', results.startedAt, results.commit);
  const write = (print?: (line: string) => void): void => writeResults(dir, { json: results, markdown: latencyMarkdown(results), svg: latencySvg(results) }, print);
  let round = 0;
  for (const rate of rates) {
    for (const interval of o.intervals) {
      // Alternate the order between settings, so no engine always runs first.
      const order = round++ % 2 === 0 ? engines : [...engines].reverse();
      for (const engine of order) {
        const id = `bench-latency-${engine.name}-${Date.now()}`;
        const stateDir = mkdtempSync(join(tmpdir(), `${id}-`));
        log(`latency at ${rate.label}, interval ${interval / 1000} s: ${engine.name} (at least ${((o.warmup + o.duration) / 60_000).toFixed(1)} min)…`);
        const admin = new KafkaAdmin(kafka);
        await admin.connect();
        await admin.ensureTopics([{ name: `${id}-out`, partitions: 1 }, { name: `${id}-in`, partitions: o.partitions }]).finally(() => admin.disconnect());
        const argvOf = engine.argv({ brokers: o.brokers, input: `${id}-in`, output: `${id}-out`, groupId: id, stateDir, spec, checkpointIntervalMs: interval, bounded: false, transactionTimeoutMs: TRANSACTION_TIMEOUT_MS });
        const l = await measureLatency(argvOf, {
          kafka, input: `${id}-in`, output: `${id}-out`, spec, eventsPerSecond: rate.perSecond, durationMs: o.duration, warmupMs: o.warmup, settleMs: o.settle, maxStartupMs: MAX_STARTUP_MS, graceMs: o.grace, log,
          ...(broker.cpuSeconds ? { brokerCpu: broker.cpuSeconds } : {}),
        });
        rmSync(stateDir, { recursive: true, force: true });
        results.runs.push({ ...l, engine: engine.name, rate: rate.label, checkpointIntervalMs: interval });
        const timing = l.fellBehind ? `fell behind (${l.fellBehind})` : `p50 ${Math.round(l.p50Ms)} ms, p99 ${Math.round(l.p99Ms)} ms, max ${Math.round(l.maxMs)} ms`;
        log(`  first ranking after ${l.firstRankingSeconds.toFixed(1)} s, measured from ${l.warmupSeconds.toFixed(1)} s; ${l.closes} closes, ${l.rankings} rankings: ${timing}; ${l.correct ? 'correct' : `WRONG (${l.problems[0]})`}; CPU ${(l.cpuShareOfOneCore * 100).toFixed(1)}% of one core; RSS ${l.peakRssMb} MB; input lag ${l.inputLagMs} ms`);
        write(); // after each run, so a run stopped part-way keeps what it measured
      }
    }
  }
  write(log);
  return results;
}

runAsScript('latency.js', 'bench:latency', (argv) => runLatencyBench(argv));
