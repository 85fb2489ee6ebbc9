/**
 * Throughput results: the JSON kept in each results folder, its Markdown tables and an SVG chart.
 * Every figure is a spread over repetitions (min / median / max); ratios use medians of runs made in
 * the same session, and only of engines whose output was correct in every run.
 */
import type { RunMeasure } from './engine-run.js';
import type { WorkloadSpec } from './workload.js';

/** The spread of one figure over an engine's repetitions. */
export interface Spread {
  min: number;
  median: number;
  max: number;
}

export interface EngineSummary {
  engine: string;
  /** Events the engine read: the workload's, or the first this many of them (`--events-for`). */
  events: number;
  runs: number;
  correct: boolean;
  wallSeconds: Spread;
  cpuSeconds: Spread;
  /** The broker's CPU during the engine's runs (NaN spread when not measured). */
  brokerCpuSeconds: Spread;
  eventsPerCpuSecond: Spread;
  /** Events per CPU-second of the engine and the broker together. */
  eventsPerTotalCpuSecond: Spread;
  peakRssMb: number;
  /** CPU of a run over an input with no events (start-up and shutdown), over the median run's CPU. */
  startupShare?: number;
  problems: string[];
}

export type MeasuredRun = RunMeasure & { engine: string; repetition: number };

export interface BenchResults {
  startedAt: string;
  /** `git rev-parse --short HEAD`, with `-dirty` when the tree had changes. */
  commit: string;
  command: string;
  machine: Record<string, string | number>;
  workload: WorkloadSpec;
  /** Why the broker's CPU was not measured, when it was not. */
  brokerCpuNote?: string;
  /** One run per engine over an input holding only the flush events. */
  emptyRuns: MeasuredRun[];
  runs: MeasuredRun[];
  /** Every engine's summary; `ceiling` is the bare client reading and checking the input. */
  summary: EngineSummary[];
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

export function spread(xs: readonly number[]): Spread {
  return xs.length === 0 ? { min: NaN, median: NaN, max: NaN } : { min: Math.min(...xs), median: median(xs), max: Math.max(...xs) };
}

export function summarize(engine: string, runs: readonly RunMeasure[], events: number, emptyRunCpuSeconds?: number): EngineSummary {
  const cpu = spread(runs.map((r) => r.cpuSeconds));
  return {
    engine,
    events,
    runs: runs.length,
    correct: runs.length > 0 && runs.every((r) => r.correct),
    wallSeconds: spread(runs.map((r) => r.wallSeconds)),
    cpuSeconds: cpu,
    brokerCpuSeconds: spread(runs.map((r) => r.brokerCpuSeconds)),
    eventsPerCpuSecond: spread(runs.map((r) => events / r.cpuSeconds)),
    eventsPerTotalCpuSecond: spread(runs.map((r) => events / (r.cpuSeconds + r.brokerCpuSeconds))),
    peakRssMb: Math.max(...runs.map((r) => r.peakRssMb)),
    ...(emptyRunCpuSeconds === undefined ? {} : { startupShare: emptyRunCpuSeconds / cpu.median }),
    problems: [...new Set(runs.flatMap((r) => r.problems))].slice(0, 5),
  };
}

/** The Flink form with the most events per CPU-second among correct ones: the one ratios compare with. */
export function bestFlink(summary: readonly EngineSummary[]): EngineSummary | undefined {
  return summary.filter((s) => s.engine.startsWith('flink') && s.correct).sort((a, b) => b.eventsPerCpuSecond.median - a.eventsPerCpuSecond.median)[0];
}

export interface Goal {
  goal: string;
  figure: string;
  met: boolean;
}

/** Each Eddy engine against the speed goals: ≥ 1.0× the best Flink form (engine CPU, and engine + broker CPU), ≥ 50% of the ceiling. */
export function throughputGoals(summary: readonly EngineSummary[]): Goal[] {
  const flink = bestFlink(summary);
  const ceiling = summary.find((s) => s.engine === 'ceiling' && s.correct);
  const goals: Goal[] = [];
  for (const e of summary.filter((s) => s.engine.startsWith('eddy') && s.correct)) {
    if (flink) {
      const cpu = e.eventsPerCpuSecond.median / flink.eventsPerCpuSecond.median;
      goals.push({ goal: `${e.engine} ≥ 1.0× ${flink.engine}, engine CPU`, figure: `${fmt(cpu, 2)}×`, met: cpu >= 1 });
      const total = e.eventsPerTotalCpuSecond.median / flink.eventsPerTotalCpuSecond.median;
      if (Number.isFinite(total)) goals.push({ goal: `${e.engine} ≥ 1.0× ${flink.engine}, engine + broker CPU`, figure: `${fmt(total, 2)}×`, met: total >= 1 });
    }
    if (ceiling) {
      const share = e.eventsPerCpuSecond.median / ceiling.eventsPerCpuSecond.median;
      goals.push({ goal: `${e.engine} ≥ 50% of the ceiling`, figure: `${fmt(share * 100, 0)}%`, met: share >= 0.5 });
    }
  }
  return goals;
}

export const fmt = (n: number, digits = 1): string => (Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : '–');
const int = (n: number): string => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '–');
const range = (s: Spread): string => `${int(s.median)} (${int(s.min)}–${int(s.max)})`;

export function markdown(r: BenchResults): string {
  const w = r.workload;
  const reps = Math.max(0, ...r.summary.map((s) => s.runs));
  const flink = bestFlink(r.summary);
  const prefixes = r.summary.filter((s) => s.events !== w.events).map((s) => `${s.engine} the first ${s.events.toLocaleString('en-US')}`);
  const lines = [
    `Catch-up at commit ${r.commit}: ${w.events.toLocaleString('en-US')} events${prefixes.length > 0 ? ` (${prefixes.join(', ')})` : ''}, ${w.items.toLocaleString('en-US')} content ids (Zipf ${w.zipf}), ${w.partitions} partitions, sliding ${w.windowMs / 60_000} min / ${w.slideMs / 60_000} min, top ${w.top}; ${reps} repetitions alternating engines, median (min–max); ${r.startedAt.slice(0, 10)}, ${r.machine.cpus} × ${r.machine.cpuModel}.`,
    '',
    '| engine | output correct | events per CPU-s | events per (engine + broker) CPU-s | engine CPU s | broker CPU s | wall s | peak RSS MB | start-up share | ÷ best Flink |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const s of r.summary) {
    const ratio = flink && s.correct ? s.eventsPerCpuSecond.median / flink.eventsPerCpuSecond.median : NaN;
    const startup = s.startupShare === undefined ? '' : `${fmt(s.startupShare * 100)}%${s.startupShare >= 0.05 ? ' (≥ 5%)' : ''}`;
    lines.push(
      `| ${s.engine}${s.engine === flink?.engine ? ' (best Flink)' : ''} | ${s.correct ? 'yes' : `**no**: ${s.problems[0] ?? ''}`} | ${s.correct ? range(s.eventsPerCpuSecond) : '–'} | ${s.correct ? range(s.eventsPerTotalCpuSecond) : '–'} | ${fmt(s.cpuSeconds.median)} | ${fmt(s.brokerCpuSeconds.median)} | ${fmt(s.wallSeconds.median)} | ${s.peakRssMb} | ${startup} | ${Number.isFinite(ratio) ? `${fmt(ratio, 2)}×` : ''} |`,
    );
  }
  if (r.summary.some((s) => s.engine === 'ceiling')) lines.push('', '`ceiling`: kafkajs alone reading the same input (read_committed, Eddy\'s fetch settings), parsing each value as JSON and checking it against the watch-event schema; no engine.');
  if (r.brokerCpuNote) lines.push('', `Broker CPU not measured: ${r.brokerCpuNote}.`);
  const emptyRun = (e: MeasuredRun): string => `${e.engine} ${fmt(e.cpuSeconds)} s${e.correct ? '' : ` (did not end as expected: ${e.problems[0] ?? `exit code ${e.exitCode}`})`}`;
  if (r.emptyRuns.length > 0) lines.push('', `Empty-run CPU (start-up and shutdown over an input of flush events only): ${r.emptyRuns.map(emptyRun).join(', ')}.`);
  const goals = throughputGoals(r.summary);
  if (goals.length > 0) {
    lines.push('', '| speed goal | figure | met |', '|---|---:|---|');
    for (const g of goals) lines.push(`| ${g.goal} | ${g.figure} | ${g.met ? 'yes' : '**no**'} |`);
  }
  lines.push('', `Command: \`${r.command}\``);
  return `${lines.join('\n')}\n`;
}

const BAR = 22;

/** One panel of labelled horizontal bars, from `top`; returns its SVG and height. */
export function barPanel(title: string, top: number, rows: readonly { label: string; value: number; text: string; eddy: boolean }[], scale: (v: number, max: number) => number = (v, max) => v / max): { svg: string; height: number } {
  const max = Math.max(1, ...rows.map((r) => r.value).filter(Number.isFinite));
  const bars = rows.map((r, i) => {
    const y = top + 30 + i * (BAR + 10);
    const width = Number.isFinite(r.value) ? Math.max(1, Math.round(scale(r.value, max) * 420)) : 0;
    return `<text x="10" y="${y + 16}" font-size="12">${r.label}</text><rect x="230" y="${y}" width="${width}" height="${BAR}" fill="${r.eddy ? '#2b7bb9' : '#9aa5b1'}"/><text x="${236 + width}" y="${y + 16}" font-size="12">${r.text}</text>`;
  });
  return { svg: `<text x="10" y="${top + 12}" font-size="15">${title}</text>${bars.join('')}`, height: 40 + rows.length * (BAR + 10) };
}

/** Panels stacked into one SVG. */
export function svgOf(panels: readonly ((top: number) => { svg: string; height: number })[]): string {
  let height = 10;
  const parts: string[] = [];
  for (const p of panels) {
    const { svg, height: h } = p(height);
    parts.push(svg);
    height += h + 10;
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="760" height="${height}" font-family="sans-serif">${parts.join('')}</svg>\n`;
}

/** Median events per CPU-second of each correct engine: engine CPU, then engine + broker CPU. */
export function svgChart(r: BenchResults): string {
  const correct = r.summary.filter((s) => s.correct);
  const rows = (pick: (s: EngineSummary) => Spread) => correct.map((s) => ({ label: s.engine, value: pick(s).median, text: range(pick(s)), eddy: s.engine.startsWith('eddy') }));
  const panels = [(top: number) => barPanel(`Events per engine CPU-second, median (min–max), commit ${r.commit}`, top, rows((s) => s.eventsPerCpuSecond))];
  if (correct.some((s) => Number.isFinite(s.eventsPerTotalCpuSecond.median))) panels.push((top) => barPanel('Events per (engine + broker) CPU-second', top, rows((s) => s.eventsPerTotalCpuSecond)));
  return svgOf(panels);
}
