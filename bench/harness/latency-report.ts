/**
 * Latency results: the JSON kept in each results folder, its Markdown table and an SVG chart of p99
 * close-to-visible delay per engine, rate and commit interval.
 */
import type { LatencyMeasure } from './latency-run.js';
import { barPanel, fmt, svgOf, type Goal } from './report.js';
import type { WorkloadSpec } from './workload.js';

export type LatencyRun = LatencyMeasure & { engine: string; rate: string; checkpointIntervalMs: number };

export interface LatencyResults {
  startedAt: string;
  commit: string;
  command: string;
  machine: Record<string, string | number>;
  workload: Omit<WorkloadSpec, 'events'>;
  /** The minimum warm-up; with `settleMs` (absent in older results) after the engine's first ranking. */
  warmupMs: number;
  settleMs?: number;
  durationMs: number;
  /** Given to engines whose default transaction timeout is shorter (Kafka Streams); absent in older results. */
  transactionTimeoutMs?: number;
  runs: LatencyRun[];
}

const ms = (n: number): string => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '–');

/**
 * Eddy at its default commit interval (5 s) against the latency goal: p99 < 500 ms at every rate.
 * The runner's CPU and memory goal at 20,000 events/min is not judged here: it is stated for `eddy
 * run` with default flags, which `npm run bench:low-rate` measures; these runs have two members and
 * the harness's windows (by default closing every second).
 */
export function latencyGoals(runs: readonly LatencyRun[]): Goal[] {
  return runs
    .filter((x) => x.engine === 'eddy' && x.checkpointIntervalMs === 5_000)
    .map((r) => ({ goal: `eddy p99 close → visible < 500 ms at ${r.rate}`, figure: r.fellBehind ? 'fell behind' : `${ms(r.p99Ms)} ms`, met: !r.fellBehind && r.correct && r.p99Ms < 500 }));
}

/** Where the CPU and RSS columns stand against the runner goal, which these runs do not measure. */
const runnerGoalNote = (slideMs: number): string =>
  `The CPU and RSS columns are of this setting (two members, a window closing every ${slideMs / 1000} s); the goal for a runner at 20,000 events/min (< 3% of a core, < 200 MB) is judged by \`npm run bench:low-rate\` on \`eddy run\`'s defaults.`;

export function latencyMarkdown(r: LatencyResults): string {
  const w = r.workload;
  const lines = [
    `Latency at commit ${r.commit}: sliding ${w.windowMs / 1000} s / ${w.slideMs / 1000} s windows, top ${w.top}, ${w.items.toLocaleString('en-US')} content ids (Zipf ${w.zipf}), ${w.partitions} partitions, out-of-orderness ${w.outOfOrdernessMs / 1000} s; ${r.settleMs === undefined ? `${r.warmupMs / 1000} s warm-up` : `warm-up at least ${r.warmupMs / 1000} s and ${r.settleMs / 1000} s after the engine's first ranking`}, then ${r.durationMs / 1000} s measured${r.transactionTimeoutMs === undefined ? '' : `; Kafka Streams' transaction timeout ${r.transactionTimeoutMs / 1000} s`}; ${r.startedAt.slice(0, 10)}, ${r.machine.cpus} × ${r.machine.cpuModel}.`,
    '',
    '| engine | input rate | commit interval | first ranking s | warm-up s | window closes | rankings | p50 ms | p99 ms | max ms | output correct | engine CPU (share of one core) | broker CPU | peak RSS MB | harness input lag ms |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|',
  ];
  for (const x of r.runs) {
    const [p50, p99, max] = x.fellBehind ? ['fell behind', '–', '–'] : [ms(x.p50Ms), ms(x.p99Ms), ms(x.maxMs)];
    lines.push(`| ${x.engine} | ${x.rate} | ${x.checkpointIntervalMs / 1000} s | ${fmt(x.firstRankingSeconds)} | ${fmt(x.warmupSeconds)} | ${x.closes} | ${x.rankings} | ${p50} | ${p99} | ${max} | ${x.correct ? 'yes' : `**no**: ${x.problems[0] ?? ''}`} | ${fmt(x.cpuShareOfOneCore * 100)}% | ${fmt(x.brokerCpuShareOfOneCore * 100)}% | ${x.peakRssMb} | ${x.inputLagMs ?? '–'} |`);
  }
  const behind = r.runs.filter((x) => x.fellBehind);
  if (behind.length > 0) lines.push('', ...behind.map((x) => `- ${x.engine} at ${x.rate}, ${x.checkpointIntervalMs / 1000} s: fell behind (${x.fellBehind}).`));
  const goals = latencyGoals(r.runs);
  if (goals.length > 0) lines.push('', '| speed goal | figure | met |', '|---|---:|---|', ...goals.map((g) => `| ${g.goal} | ${g.figure} | ${g.met ? 'yes' : '**no**'} |`));
  lines.push('', runnerGoalNote(w.slideMs));
  lines.push('', `Command: \`${r.command}\``);
  return `${lines.join('\n')}\n`;
}

/** p99 per run on a log scale (the engines differ by orders of magnitude); runs that fell behind say so. */
export function latencySvg(r: LatencyResults): string {
  return svgOf([
    (top) => barPanel(
      `p99 window close → ranking visible, ms (log scale, lower is better), commit ${r.commit}`,
      top,
      r.runs.map((x) => ({
        label: `${x.engine} @ ${x.rate}, ${x.checkpointIntervalMs / 1000} s`,
        value: x.fellBehind ? NaN : x.p99Ms,
        text: x.fellBehind ? 'fell behind' : ms(x.p99Ms),
        eddy: x.engine.startsWith('eddy'),
      })),
      (v, max) => Math.log10(1 + v) / Math.log10(1 + max),
    ),
  ]);
}
