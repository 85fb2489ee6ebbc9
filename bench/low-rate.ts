/**
 * The low-rate benchmark: what a runner with default settings costs at a steady input rate (the
 * generator's 20,000 events/min by default). Each repetition: a fresh topic, `eddy generate` at the
 * rate, `eddy run content-popularity` with nothing but its topics, group, state folder and metrics
 * port (and `--parallelism` when not 1); the runner's CPU (user + system, all its threads, from /proc)
 * over a measured span after a warm-up, its peak RSS, and whether it kept up (its committed input
 * within a few seconds of events of the input's end). Writes results.json and results.md into a
 * folder named by its commit. Flags: USAGE below (`npm run bench:low-rate -- --help`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import * as z from 'zod';
import { KafkaAdmin, recordsBehind } from '../connectors/kafka/admin.js';
import { kafkaClientOptions } from '../connectors/kafka/config.js';
import { durationMs, formatDuration, numberFlag, ratePerSecond } from '../engine/config/units.js';
import { ROOT } from './harness/engines.js';
import { machineFacts } from './harness/machine-facts.js';
import { cpuSecondsOf, rssMbOf } from './harness/proc-stats.js';
import { fmt, median } from './harness/report.js';
import { gitCommit, resultsFolder, writeResults } from './harness/results-folder.js';
import { benchOptions, commandLine, runAsScript } from './harness/script.js';

const Options = z.strictObject({
  brokers: z.string().default('127.0.0.1:9092'),
  rate: z.string().default('20000/min'),
  items: numberFlag((n) => n.int().positive()).default(100_000),
  parallelism: numberFlag((n) => n.int().positive()).default(1),
  repetitions: numberFlag((n) => n.int().positive()).default(3),
  warmup: durationMs.prefault('40s'),
  measure: durationMs.prefault('60s'),
  out: z.string().default('bench/results'),
});

const USAGE = `Usage: npm run bench:low-rate -- [options]

A runner with default settings at a steady input rate: its CPU (% of one core) and peak RSS.

  --rate R              input rate (default 20000/min, the generator's default)
  --items N             distinct content ids (default 100000)
  --parallelism N       the runner's --parallelism (default 1, its default)
  --repetitions N       runs, each on a fresh topic (default 3)
  --warmup D            before the measured span (default 40s)
  --measure D           the measured span (default 60s)
  --brokers LIST        Kafka (default 127.0.0.1:9092)
  --out DIR             results go to DIR/low-rate-<day>-<commit>/ (default bench/results)
`;

export interface LowRateRun {
  /** CPU over the measured span, % of one core. */
  cpuPercent: number;
  peakRssMb: number;
  /** Input records not committed by the runner's group at the end of the span. */
  lagRecords: number;
  keptUp: boolean;
}

export interface LowRateResults {
  startedAt: string;
  commit: string;
  command: string;
  machine: Record<string, string | number>;
  settings: { rate: string; items: number; parallelism: number; warmupMs: number; measureMs: number };
  runs: LowRateRun[];
  median: { cpuPercent: number; peakRssMb: number };
}

const EDDY = join(ROOT, 'dist', 'engine', 'cli', 'eddy.js');
/** The runner commits every 5 s by default: input up to two intervals behind counts as kept up. */
const KEPT_UP_SECONDS = 10;

export async function runLowRateBench(argv: string[], log: (line: string) => void = console.log): Promise<LowRateResults | undefined> {
  const o = benchOptions(argv, Options, USAGE);
  if (!o) return undefined;
  const perSecond = ratePerSecond.parse(o.rate);
  const kafka = kafkaClientOptions({ brokers: o.brokers, clientId: 'eddy-bench-low-rate', logLevel: 'nothing' });
  const startedAt = new Date().toISOString();
  const commit = gitCommit();
  const runs: LowRateRun[] = [];
  for (let rep = 1; rep <= o.repetitions; rep += 1) {
    const topic = `bench-low-${Date.now()}`;
    const stateDir = mkdtempSync(join(tmpdir(), `${topic}-`));
    const admin = new KafkaAdmin(kafka);
    await admin.connect();
    const children: ChildProcess[] = [];
    try {
      await admin.ensureTopics([{ name: topic, partitions: 8 }, { name: `${topic}-out`, partitions: 1 }]);
      const span = o.warmup + o.measure;
      children.push(child([EDDY, 'generate', '--brokers', o.brokers, '--topic', topic, '--rate', o.rate, '--items', String(o.items), '--duration', formatDuration(span + 10_000)]));
      const runner = child([EDDY, 'run', 'content-popularity', '--brokers', o.brokers, '--input-topic', topic, '--output-topic', `${topic}-out`,
        '--group-id', topic, '--state-dir', stateDir, '--metrics-port', '0', ...(o.parallelism === 1 ? [] : ['--parallelism', String(o.parallelism)])]);
      children.push(runner);
      await sleep(o.warmup);
      const before = cpuSecondsOf(runner.pid!);
      await sleep(o.measure);
      const cpuPercent = ((cpuSecondsOf(runner.pid!) - before) / (o.measure / 1000)) * 100;
      const peakRssMb = Math.round(rssMbOf(runner.pid!, 'VmHWM') ?? NaN);
      const lagRecords = await recordsBehind(admin, topic, topic);
      const run = { cpuPercent, peakRssMb, lagRecords, keptUp: lagRecords <= perSecond * KEPT_UP_SECONDS };
      runs.push(run);
      log(`[${rep}/${o.repetitions}] ${fmt(cpuPercent, 2)}% of a core, peak RSS ${peakRssMb} MB, ${lagRecords} input records not committed${run.keptUp ? '' : ' (fell behind)'}`);
    } finally {
      for (const c of children) c.kill('SIGTERM');
      await Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => c.once('exit', r)) : undefined)));
      await admin.disconnect();
      rmSync(stateDir, { recursive: true, force: true });
    }
  }
  const results: LowRateResults = {
    startedAt, commit, command: commandLine('bench:low-rate', argv), machine: machineFacts(),
    settings: { rate: o.rate, items: o.items, parallelism: o.parallelism, warmupMs: o.warmup, measureMs: o.measure },
    runs,
    median: { cpuPercent: median(runs.map((r) => r.cpuPercent)), peakRssMb: median(runs.map((r) => r.peakRssMb)) },
  };
  writeResults(resultsFolder(o.out, 'low-rate', startedAt, commit), { json: results, markdown: lowRateMarkdown(results) }, log);
  return results;
}

function child(args: string[]): ChildProcess {
  const c = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'ignore'] });
  if (c.pid === undefined) throw new Error(`could not start ${args.slice(0, 2).join(' ')}`);
  return c;
}

/** The runs as a table, with the goal (< 3% of a core, < 200 MB) met or not by the medians of runs that kept up. */
export function lowRateMarkdown(r: LowRateResults): string {
  const s = r.settings;
  const lines = [
    `Low rate at commit ${r.commit}: \`eddy run content-popularity\` with default settings${s.parallelism === 1 ? '' : ` and --parallelism ${s.parallelism}`}, input ${s.rate} over ${s.items.toLocaleString('en-US')} content ids (8 partitions); CPU over ${s.measureMs / 1000} s after ${s.warmupMs / 1000} s; ${r.startedAt.slice(0, 10)}, ${r.machine.cpus} × ${r.machine.cpuModel}.`,
    '',
    '| run | CPU, % of one core | peak RSS MB | input not committed at the end | kept up |',
    '|---:|---:|---:|---:|---|',
    ...r.runs.map((x, i) => `| ${i + 1} | ${fmt(x.cpuPercent, 2)} | ${x.peakRssMb} | ${x.lagRecords} | ${x.keptUp ? 'yes' : '**no**'} |`),
  ];
  const allKeptUp = r.runs.length > 0 && r.runs.every((x) => x.keptUp);
  lines.push('', `Median: ${fmt(r.median.cpuPercent, 2)}% of a core, ${fmt(r.median.peakRssMb, 0)} MB.`);
  if (allKeptUp) {
    lines.push(`Goal < 3% of one core: ${r.median.cpuPercent < 3 ? 'met' : '**not met**'}; < 200 MB: ${r.median.peakRssMb < 200 ? 'met' : '**not met**'}.`);
  } else {
    lines.push('A run fell behind: no goal is judged.');
  }
  lines.push('', `Command: \`${r.command}\``);
  return `${lines.join('\n')}\n`;
}

runAsScript('low-rate.js', 'bench:low-rate', (argv) => runLowRateBench(argv));
