/**
 * The job's stage plan drawn as SVG: one box per stage (its nodes inside, one row each), stages in
 * columns from the inputs on, and an arrow from a stage to the stage reading the internal topic it
 * writes, labelled with that topic. Input topics come in from the left.
 */
import { h, s } from './dom.js';
import type { Plan } from './types.js';

const BOX_W = 330;
const ROW_H = 34;
const HEAD_H = 40;
const COL_GAP = 150;
const ROW_GAP = 24;
const LEFT = 130;

/** `id: what ← inputs`, as describePlan writes a node line. */
function parseNode(line: string): { id: string; what: string } {
  const i = line.indexOf(': ');
  const id = i < 0 ? line : line.slice(0, i);
  const what = i < 0 ? '' : line.slice(i + 2).replace(/ ← .*$/, '');
  return { id, what };
}

/**
 * @example
 * card.append(stageGraph(await getJson<Plan>('/v1/plan')));
 */
export function stageGraph(plan: Plan): SVGSVGElement {
  const writer = new Map<string, string>();
  for (const st of plan.stages) for (const t of st.writes) writer.set(t, st.id);
  const depth = new Map<string, number>();
  const depthOf = (id: string, seen = new Set<string>()): number => {
    if (depth.has(id)) return depth.get(id)!;
    const st = plan.stages.find((x) => x.id === id)!;
    const from = writer.get(st.reads);
    const d = from === undefined || seen.has(from) ? 0 : 1 + depthOf(from, new Set([...seen, id]));
    depth.set(id, d);
    return d;
  };
  const pos = new Map<string, { x: number; y: number; h: number }>();
  const nextY = new Map<number, number>();
  for (const st of plan.stages) {
    const col = depthOf(st.id);
    const hgt = HEAD_H + ROW_H * st.nodes.length + 8;
    const y = nextY.get(col) ?? 20;
    pos.set(st.id, { x: LEFT + col * (BOX_W + COL_GAP), y, h: hgt });
    nextY.set(col, y + hgt + ROW_GAP);
  }
  const width = Math.max(...[...pos.values()].map((p) => p.x)) + BOX_W + 20;
  const height = Math.max(...[...nextY.values()]);
  const svg = s('svg', { viewBox: `0 0 ${width} ${height}`, width: '100%', class: 'stage-graph', role: 'img', 'aria-label': `stage plan of ${plan.job}` });
  svg.append(s('defs', {}, s('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto' }, s('path', { d: 'M0,0 L10,5 L0,10 z', fill: '#667085' }))));
  for (const st of plan.stages) {
    const p = pos.get(st.id)!;
    const from = writer.get(st.reads);
    const mid = p.y + HEAD_H / 2;
    if (from === undefined) {
      svg.append(s('line', { x1: 10, y1: mid, x2: p.x, y2: mid, stroke: '#667085', 'marker-end': 'url(#arrow)' }));
      svg.append(s('text', { x: 4, y: mid - 6 }, shorten(st.reads, 20)));
    } else {
      const q = pos.get(from)!;
      const x1 = q.x + BOX_W;
      const y1 = q.y + q.h / 2;
      svg.append(s('path', { d: `M${x1},${y1} C${x1 + COL_GAP / 2},${y1} ${p.x - COL_GAP / 2},${mid} ${p.x},${mid}`, fill: 'none', stroke: '#667085', 'stroke-dasharray': '5 3', 'marker-end': 'url(#arrow)' }));
      svg.append(s('text', { x: x1 + 6, y: Math.min(y1, mid) - 8, class: 'topic' }, shorten(st.reads, 24)));
    }
    const g = s('g', { class: 'stage', 'data-stage': st.id });
    g.append(s('rect', { x: p.x, y: p.y, width: BOX_W, height: p.h, rx: 6, fill: '#f0f4fd', stroke: '#9db5e8' }));
    g.append(s('text', { x: p.x + 10, y: p.y + 18, 'font-weight': 700 }, `stage ${st.id}`));
    g.append(s('text', { x: p.x + 10, y: p.y + 32, fill: '#667085' }, shorten(`tasks: ${st.tasks}`, 52)));
    st.nodes.forEach((line, i) => {
      const n = parseNode(line);
      const y = p.y + HEAD_H + i * ROW_H;
      g.append(s('rect', { x: p.x + 8, y, width: BOX_W - 16, height: ROW_H - 6, rx: 4, fill: '#fff', stroke: '#c5cbd6', class: 'node', 'data-node': n.id }));
      g.append(s('text', { x: p.x + 16, y: y + 12, 'font-weight': 600 }, n.id));
      g.append(s('text', { x: p.x + 16, y: y + 24, fill: '#667085' }, shorten(n.what, 50)));
    });
    svg.append(g);
  }
  return svg;
}

function shorten(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** The graph in a card, with the plan's stage count. */
export function stageGraphCard(plan: Plan): HTMLElement {
  return h('div', { class: 'card' }, h('h2', {}, `Stage plan: ${plan.stages.length} stage${plan.stages.length === 1 ? '' : 's'}`), stageGraph(plan));
}
