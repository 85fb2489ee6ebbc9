/**
 * A small SVG line chart over time: one line per series, a y axis from 0 (or the data's minimum)
 * to its maximum, time on the x axis, and a legend. Enough for a few minutes of live samples; no
 * charting library needed.
 */
import { h, s } from './dom.js';

export interface Series {
  name: string;
  /** [epoch ms, value] pairs, in time order. */
  points: [number, number][];
}

export interface ChartOptions {
  title: string;
  series: readonly Series[];
  /** How y values read (default: numbers). */
  format?: (v: number) => string;
  /** Start the y axis at the data's minimum instead of 0 (for timestamps such as watermarks). */
  fromMin?: boolean;
}

const W = 560;
const H = 180;
const PAD = { left: 78, right: 10, top: 10, bottom: 22 };
const COLORS = ['#2f6fde', '#e4572e', '#17a398', '#f3a712', '#8e44ad', '#2c3e50', '#c0392b', '#16a085', '#d35400', '#7f8c8d'];

/**
 * @example
 * el.replaceChildren(lineChart({ title: 'Lag (records)', series: [{ name: 'watch-events:0', points: [[t0, 12], [t1, 3]] }] }));
 */
export function lineChart(o: ChartOptions): HTMLElement {
  const fmt = o.format ?? ((v: number) => (Math.abs(v) >= 1000 ? Math.round(v).toLocaleString('en-US') : String(Math.round(v * 10) / 10)));
  const all = o.series.flatMap((x) => x.points);
  const box = h('div', { class: 'card chart', 'data-chart': o.title, 'data-points': all.length }, h('h2', {}, o.title));
  if (all.length === 0) {
    box.append(h('p', { class: 'muted' }, 'No data yet.'));
    return box;
  }
  const t0 = Math.min(...all.map((p) => p[0]));
  const t1 = Math.max(t0 + 1, ...all.map((p) => p[0]));
  const max = Math.max(...all.map((p) => p[1]));
  let min = o.fromMin ? Math.min(...all.map((p) => p[1])) : Math.min(0, ...all.map((p) => p[1]));
  const top = max === min ? min + (o.fromMin ? 1_000 : 1) : max;
  if (max === min && o.fromMin) min -= 1_000;
  const x = (t: number): number => PAD.left + ((t - t0) / (t1 - t0)) * (W - PAD.left - PAD.right);
  const y = (v: number): number => H - PAD.bottom - ((v - min) / (top - min)) * (H - PAD.top - PAD.bottom);
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, width: '100%', role: 'img', 'aria-label': o.title });
  for (const v of [min, (min + top) / 2, top]) {
    svg.append(s('line', { class: 'axis', x1: PAD.left, x2: W - PAD.right, y1: y(v), y2: y(v) }));
    svg.append(s('text', { x: PAD.left - 6, y: y(v) + 4, 'text-anchor': 'end' }, fmt(v)));
  }
  for (const [t, anchor] of [[t0, 'start'], [t1, 'end']] as const) {
    svg.append(s('text', { x: x(t), y: H - 6, 'text-anchor': anchor }, new Date(t).toLocaleTimeString('en-GB')));
  }
  o.series.forEach((series, i) => {
    const color = COLORS[i % COLORS.length]!;
    const d = series.points.map(([t, v], j) => `${j === 0 ? 'M' : 'L'}${x(t).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
    if (series.points.length === 1) svg.append(s('circle', { cx: x(series.points[0]![0]), cy: y(series.points[0]![1]), r: 3, fill: color }));
    else svg.append(s('path', { d, fill: 'none', stroke: color, 'stroke-width': 1.8, 'data-series': series.name }));
  });
  box.append(svg, h('div', { class: 'legend' }, ...o.series.map((x2, i) => h('span', {}, h('i', { style: `background:${COLORS[i % COLORS.length]}` }), x2.name))));
  return box;
}
