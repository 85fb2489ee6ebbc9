/**
 * The q5 benchmark's results: per engine the min / median / max over its repetitions of wall
 * seconds, engine and broker CPU seconds, bids per CPU-second (engine alone, and engine + broker)
 * and peak RSS, its empty run's CPU, and Eddy ÷ Flink SQL of the medians; as JSON and as a Markdown table.
 */
import type { RunMeasure } from '../harness/engine-run.js';
import { median } from '../harness/report.js';

export interface Spread {
  min: number;
  median: number;
  max: number;
}

const METRICS = ['wallSeconds', 'cpuSeconds', 'brokerCpuSeconds', 'eventsPerCpuSecond', 'eventsPerTotalCpuSecond', 'peakRssMb'] as const;
type Metric = (typeof METRICS)[number];

export interface Q5EngineSummary extends Record<Metric, Spread> {
  engine: string;
  runs: number;
  /** Every run's output equal to the reference. */
  correct: boolean;
  problems: string[];
  /** CPU of its run over only the flush bids: start-up and shutdown; absent without an empty run. */
  emptyRunCpuSeconds?: number;
}

export interface Q5Results {
  startedAt: string;
  command: string;
  commit: string;
  machine: Record<string, string | number>;
  workload: { bids: number; partitions: number; seed: number; windowMs: number; slideMs: number; outOfOrdernessMs: number; windows: number; expectedRows: number };
  /** Engines that could not run, and why. */
  skipped: Record<string, string>;
  /** Why broker CPU is not measured (NaN in the runs), when it is not. */
  brokerCpuNote?: string;
  /** One run per engine over only the flush bids (absent in results older than 2026-12-05's second run). */
  emptyRuns?: (RunMeasure & { engine: string })[];
  runs: (RunMeasure & { engine: string; repetition: number })[];
  summary: Q5EngineSummary[];
  /** Eddy ÷ Flink SQL of the medians; absent unless both ran with correct output every time. */
  ratios?: Record<Metric, number>;
}

const spread = (xs: readonly number[]): Spread => ({ min: Math.min(...xs), median: median(xs), max: Math.max(...xs) });

/**
 * @example
 * summarizeQ5('eddy', [{ wallSeconds: 10, cpuSeconds: 8, peakRssMb: 300, correct: true, problems: [], exitCode: 0 }], 2_000_000).eventsPerCpuSecond
 * // { min: 250000, median: 250000, max: 250000 }
 */
export function summarizeQ5(engine: string, runs: readonly RunMeasure[], events: number, emptyRunCpuSeconds?: number): Q5EngineSummary {
  return {
    engine,
    runs: runs.length,
    correct: runs.length > 0 && runs.every((r) => r.correct),
    problems: [...new Set(runs.flatMap((r) => r.problems))].slice(0, 5),
    wallSeconds: spread(runs.map((r) => r.wallSeconds)),
    cpuSeconds: spread(runs.map((r) => r.cpuSeconds)),
    brokerCpuSeconds: spread(runs.map((r) => r.brokerCpuSeconds)),
    eventsPerCpuSecond: spread(runs.map((r) => Math.round(events / r.cpuSeconds))),
    eventsPerTotalCpuSecond: spread(runs.map((r) => Math.round(events / (r.cpuSeconds + r.brokerCpuSeconds)))),
    peakRssMb: spread(runs.map((r) => r.peakRssMb)),
    ...(emptyRunCpuSeconds === undefined ? {} : { emptyRunCpuSeconds }),
  };
}

/** Eddy ÷ Flink SQL of each median, when both engines ran and were correct. */
export function ratiosOf(summary: readonly Q5EngineSummary[]): Record<Metric, number> | undefined {
  const eddy = summary.find((s) => s.engine === 'eddy');
  const flink = summary.find((s) => s.engine === 'flink-sql');
  if (!eddy?.correct || !flink?.correct) return undefined;
  return Object.fromEntries(METRICS.map((m) => [m, eddy[m].median / flink[m].median])) as Record<Metric, number>;
}

const num = (n: number, digits: number): string => (Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : '–');
const cell = (s: Spread, digits: number): string => `${num(s.median, digits)} (${num(s.min, digits)}–${num(s.max, digits)})`;

/**
 * The results as Markdown: one row per engine, each figure as "median (min–max)".
 *
 * @example
 * writeFileSync('results.md', q5Markdown(results));
 */
export function q5Markdown(r: Q5Results): string {
  const w = r.workload;
  const lines = [
    `Nexmark q5 (hot items): ${w.bids.toLocaleString('en-US')} bids, ${w.partitions} partitions, sliding ${w.windowMs / 1000} s every ${w.slideMs / 1000} s (${w.windows} windows, ${w.expectedRows} expected rows), seed ${w.seed}; ${r.startedAt.slice(0, 10)}, commit ${r.commit}, ${r.machine.cpus} × ${r.machine.cpuModel}.`,
    '',
    '| engine | runs | output correct | wall s | engine CPU s | broker CPU s | bids per engine CPU-s | bids per engine + broker CPU-s | peak RSS MB | empty run CPU s (share of the median) |',
    '|---|---:|---|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const s of r.summary) {
    const empty = s.emptyRunCpuSeconds === undefined ? '–' : `${num(s.emptyRunCpuSeconds, 1)} (${num((100 * s.emptyRunCpuSeconds) / s.cpuSeconds.median, 1)}%)`;
    lines.push(`| ${s.engine} | ${s.runs} | ${s.correct ? 'yes' : `**no**: ${s.problems[0] ?? ''}`} | ${cell(s.wallSeconds, 1)} | ${cell(s.cpuSeconds, 1)} | ${cell(s.brokerCpuSeconds, 1)} | ${cell(s.eventsPerCpuSecond, 0)} | ${cell(s.eventsPerTotalCpuSecond, 0)} | ${cell(s.peakRssMb, 0)} | ${empty} |`);
  }
  lines.push('', 'Each figure: median (min–max) over the runs. The empty run reads only the flush bids: what the engine spends to start and stop.');
  if (r.brokerCpuNote) lines.push(`Broker CPU not measured: ${r.brokerCpuNote}.`);
  if (r.ratios) {
    const x = r.ratios;
    lines.push(`Eddy ÷ Flink SQL, medians: wall ${num(x.wallSeconds, 2)}×, CPU ${num(x.cpuSeconds, 2)}×, bids per engine CPU-s ${num(x.eventsPerCpuSecond, 2)}×, bids per engine + broker CPU-s ${num(x.eventsPerTotalCpuSecond, 2)}×, peak RSS ${num(x.peakRssMb, 2)}×.`);
  } else lines.push('No Eddy ÷ Flink SQL ratio: it needs both engines, each with correct output in every run.');
  for (const [engine, why] of Object.entries(r.skipped)) lines.push(`Not run: ${engine}: ${why}.`);
  lines.push('', `Command: \`${r.command}\``);
  return `${lines.join('\n')}\n`;
}
