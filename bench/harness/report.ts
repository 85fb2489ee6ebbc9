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
    for (const l of r.latency) {
      // No ranking of a measured window became visible before the run ended: the engine fell behind.
      const [p50, p99] = l.rankings === 0 ? ['– (fell behind)', '–'] : [Math.round(l.p50Ms), Math.round(l.p99Ms)];
      lines.push(`| ${l.engine} | ${l.rate} | ${l.rankings} | ${p50} | ${p99} | ${fmt(l.cpuShareOfOneCore * 100)}% | ${l.peakRssMb} |`);
    }
  }
  lines.push('', `Command: \`${r.command}\``);
  return `${lines.join('\n')}\n`;
}

const BAR = 22;

/** One panel of labelled horizontal bars, from `top`; returns its SVG and height. */
function panel(title: string, top: number, rows: readonly { label: string; value: number; text: string; eddy: boolean }[], scale: (v: number, max: number) => number): { svg: string; height: number } {
  const max = Math.max(1, ...rows.map((r) => r.value).filter(Number.isFinite));
  const bars = rows.map((r, i) => {
    const y = top + 30 + i * (BAR + 10);
    const width = Number.isFinite(r.value) ? Math.max(1, Math.round(scale(r.value, max) * 420)) : 0;
    return `<text x="10" y="${y + 16}" font-size="13">${r.label}</text><rect x="190" y="${y}" width="${width}" height="${BAR}" fill="${r.eddy ? '#2b7bb9' : '#9aa5b1'}"/><text x="${196 + width}" y="${y + 16}" font-size="12">${r.text}</text>`;
  });
  return { svg: `<text x="10" y="${top + 12}" font-size="15">${title}</text>${bars.join('')}`, height: 40 + rows.length * (BAR + 10) };
}

/** Bar charts: events per CPU-second (correct engines only), and p99 latency per engine and rate. */
export function svgChart(r: BenchResults): string {
  const throughput = panel(
    'Events per CPU-second, content-popularity catch-up (higher is better)',
    10,
    r.summary.filter((s) => s.correct).map((s) => ({ label: s.engine, value: s.eventsPerCpuSecond, text: s.eventsPerCpuSecond.toLocaleString('en-US'), eddy: s.engine.startsWith('eddy') })),
    (v, max) => v / max,
  );
  const parts = [throughput.svg];
  let height = 10 + throughput.height;
  if (r.latency.length > 0) {
    // Log scale: the engines differ by orders of magnitude.
    const latency = panel(
      'p99 window close → ranking visible, ms (log scale, lower is better)',
      height + 10,
      r.latency.map((l) => ({
        label: `${l.engine} @ ${l.rate}`,
        value: l.rankings === 0 ? NaN : l.p99Ms,
        text: l.rankings === 0 ? 'fell behind: no ranking in the run' : Math.round(l.p99Ms).toLocaleString('en-US'),
        eddy: l.engine.startsWith('eddy'),
      })),
      (v, max) => Math.log10(1 + v) / Math.log10(1 + max),
    );
    parts.push(latency.svg);
    height += 10 + latency.height;
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="720" height="${height + 10}" font-family="sans-serif">${parts.join('')}</svg>\n`;
}
