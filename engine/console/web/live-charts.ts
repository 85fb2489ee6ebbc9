/**
 * The job page's live part: per-partition lag, watermark and throughput charts, and the dead-letter
 * and late counts, from the runner's stream of samples (`/live`: the last minutes first, then a
 * sample every 2 s).
 */
import { jobPath } from './api.js';
import { fmtNumber, h, table } from './dom.js';
import { follow } from './event-stream.js';
import { lineChart, type Series } from './line-chart.js';
import type { PageContext } from './page.js';
import type { LiveSample } from './types.js';

const KEEP = 150;

function perPartition(samples: readonly LiveSample[], value: (p: LiveSample['partitions'][number], prev: LiveSample['partitions'][number] | undefined, dt: number) => number | null): Series[] {
  const byName = new Map<string, [number, number][]>();
  samples.forEach((smp, i) => {
    const before = samples[i - 1];
    for (const p of smp.partitions) {
      const prev = before?.partitions.find((q) => q.partition === p.partition);
      const v = value(p, prev, before ? (smp.at - before.at) / 1000 : 0);
      if (v === null) continue;
      if (!byName.has(p.partition)) byName.set(p.partition, []);
      byName.get(p.partition)!.push([smp.at, v]);
    }
  });
  return [...byName].map(([name, points]) => ({ name, points }));
}

function counts(title: string, values: Record<string, number>, what: string): HTMLElement {
  const entries = Object.entries(values);
  return h('div', {}, h('h2', {}, title), entries.length === 0 ? h('p', { class: 'muted' }, `none (no ${what})`) : table([what, '#Records'], entries.map(([k, v]) => [k, fmtNumber(v)])));
}

/**
 * Follows the job's live stream, redrawing into the returned element on each sample.
 *
 * @example
 * page.append(liveCharts(ctx, id));
 */
export function liveCharts(ctx: PageContext, id: string): HTMLElement {
  const charts = h('div', { class: 'grid charts' });
  const totals = h('div', { class: 'card grid totals' });
  const samples: LiveSample[] = [];
  // Internal stages' tasks read no input records: leave them out of the throughput chart.
  const read = (x: Series): boolean => samples.some((smp) => smp.partitions.some((p) => p.partition === x.name && p.records > 0));
  const draw = (): void => {
    const last = samples[samples.length - 1];
    charts.replaceChildren(
      lineChart({ title: 'Lag per partition (records)', series: perPartition(samples, (p) => p.lag) }),
      lineChart({ title: 'Watermark per partition', series: perPartition(samples, (p) => p.watermark), fromMin: true, format: (v) => new Date(v).toLocaleTimeString('en-GB') }),
      lineChart({ title: 'Throughput per input partition (records/s)', series: perPartition(samples, (p, prev, dt) => (prev === undefined || dt <= 0 ? null : Math.max(0, (p.records - prev.records) / dt))).filter(read) }),
    );
    if (!last) return;
    totals.replaceChildren(
      h('div', {}, h('h2', {}, 'Records'), table(['', '#Count'], [['in (read from inputs)', fmtNumber(last.recordsIn)], ['out (written by sinks)', fmtNumber(last.recordsOut)], ['lag', fmtNumber(last.lag)]])),
      counts('Dead letters by reason', last.deadLetters, 'reason'),
      counts('Late records by operator', last.late, 'operator'),
    );
  };
  follow(ctx, jobPath(id, 'live'), {
    history: (data) => {
      samples.splice(0, samples.length, ...(data as LiveSample[]));
      draw();
    },
    sample: (data) => {
      samples.push(data as LiveSample);
      if (samples.length > KEEP) samples.shift();
      draw();
    },
  });
  draw();
  return h('div', {}, charts, totals);
}
