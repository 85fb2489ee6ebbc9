/**
 * Benchmark results: the JSON kept in bench/results/, the Markdown table the README shows, and an
 * SVG chart of events per CPU-second (and p99 latency, when measured) per engine.
 */
import type { RunMeasure } from './engine-run.js';
import type { WorkloadSpec } from './workload.js';

export interface EngineSummary {
  engine: string;
  runs: number;
  correct: boolean;
  /** Medians over the repetitions. */
  wallSeconds: number;
  cpuSeconds: number;
  eventsPerCpuSecond: number;
  peakRssMb: number;
  problems: string[];
}

export interface LatencySummary {
  engine: string;
  rate: string;
  rankings: number;
  p50Ms: number;
  p99Ms: number;
  cpuShareOfOneCore: number;
  peakRssMb: number;
}

export interface BenchResults {
  startedAt: string;
  command: string;
  machine: Record<string, string | number>;
  workload: WorkloadSpec;
  runs: (RunMeasure & { engine: string; repetition: number })[];
  summary: EngineSummary[];
  latency: LatencySummary[];
  /** Eddy ÷ engine, events per CPU-second, for engines whose output was correct. */
  ratios: Record<string, number>;
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

export function summarize(engine: string, runs: readonly RunMeasure[], events: number): EngineSummary {
  const cpu = median(runs.map((r) => r.cpuSeconds));
  return {
    engine,
    runs: runs.length,
    correct: runs.length > 0 && runs.every((r) => r.correct),
    wallSeconds: median(runs.map((r) => r.wallSeconds)),
    cpuSeconds: cpu,
    eventsPerCpuSecond: Math.round(events / cpu),
    peakRssMb: Math.max(...runs.map((r) => r.peakRssMb)),
    problems: [...new Set(runs.flatMap((r) => r.problems))].slice(0, 5),
  };
}

const fmt = (n: number, digits = 1): string => (Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : '–');

export function markdown(r: BenchResults): string {
  const w = r.workload;
  const lines = [
    `Catch-up: ${w.events.toLocaleString('en-US')} events, ${w.items.toLocaleString('en-US')} content ids (Zipf ${w.zipf}), ${w.partitions} partitions, sliding ${w.windowMs / 60_000} min / ${w.slideMs / 60_000} min, top ${w.top}; median of ${Math.max(...r.summary.map((s) => s.runs), 0)} runs; ${r.startedAt.slice(0, 10)}, ${r.machine.cpus} × ${r.machine.cpuModel}.`,
    '',
    '| engine | output correct | wall s | engine CPU s | events per CPU-s | peak RSS MB | Eddy ÷ engine |',
    '|---|---|---:|---:|---:|---:|---:|',
  ];
  for (const s of r.summary) {
    const ratio = r.ratios[s.engine];
    lines.push(`| ${s.engine} | ${s.correct ? 'yes' : `**no**: ${s.problems[0] ?? ''}`} | ${fmt(s.wallSeconds)} | ${fmt(s.cpuSeconds)} | ${s.correct ? s.eventsPerCpuSecond.toLocaleString('en-US') : '–'} | ${s.peakRssMb} | ${ratio === undefined ? '' : `${fmt(ratio, 2)}×`} |`);
  }
  if (r.latency.length > 0) {
    lines.push('', '| engine | input rate | rankings | p50 close→visible ms | p99 ms | CPU (share of one core) | peak RSS MB |', '|---|---|---:|---:|---:|---:|---:|');
    for (const l of r.latency) lines.push(`| ${l.engine} | ${l.rate} | ${l.rankings} | ${Math.round(l.p50Ms)} | ${Math.round(l.p99Ms)} | ${fmt(l.cpuShareOfOneCore * 100)}% | ${l.peakRssMb} |`);
  }
  lines.push('', `Command: \`${r.command}\``);
  return `${lines.join('\n')}\n`;
}

/** A horizontal bar chart of events per CPU-second (correct engines only). */
export function svgChart(r: BenchResults): string {
  const rows = r.summary.filter((s) => s.correct);
  const max = Math.max(1, ...rows.map((s) => s.eventsPerCpuSecond));
  const bar = 22;
  const height = 50 + rows.length * (bar + 10);
  const bars = rows.map((s, i) => {
    const y = 40 + i * (bar + 10);
    const width = Math.round((s.eventsPerCpuSecond / max) * 420);
    return `<text x="10" y="${y + 16}" font-size="13">${s.engine}</text><rect x="130" y="${y}" width="${width}" height="${bar}" fill="${s.engine.startsWith('eddy') ? '#2b7bb9' : '#9aa5b1'}"/><text x="${136 + width}" y="${y + 16}" font-size="12">${s.eventsPerCpuSecond.toLocaleString('en-US')}</text>`;
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="680" height="${height}" font-family="sans-serif"><text x="10" y="22" font-size="15">Events per CPU-second, content-popularity catch-up (higher is better)</text>${bars.join('')}</svg>\n`;
}
