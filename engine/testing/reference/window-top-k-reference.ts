/**
 * The oracle for windows, lateness and top-K: naive on purpose and sharing no code with the engine.
 * It keeps every record, enumerates windows by brute force and sorts whole lists.
 *
 * Semantics (the contract the engine is tested against):
 * - windows are epoch-aligned `[start, end)`; sliding windows start at multiples of the slide;
 * - the watermark W starts at -∞ and only grows; a window is closed once W ≥ end − 1 + allowedLateness;
 * - a record counts in each of its windows that is still open; if all are closed, it is late;
 * - when W grows, each newly closed window with records fires once: per group, keys ranked by count
 *   descending then key ascending, first k; output ordered by window end, start, group;
 * - at the end of input W becomes +∞.
 */

export type RefRecord = { key: string; ts: number; value: number };
export type RefStep = { kind: 'records'; records: RefRecord[] } | { kind: 'watermark'; ts: number };
export type RefWindow = { kind: 'tumbling'; size: number } | { kind: 'sliding'; size: number; slide: number };
export type RefConfig = { window: RefWindow; allowedLateness: number; k: number; groupsOf: (key: string) => string[] };
export type RefResult = { windowStart: number; windowEnd: number; group: string; entries: { key: string; count: number; sum: number }[] };

/** All windows [s, s+size) with s a multiple of slide and s ≤ ts < s + size, by trying every s. */
function windowsOf(ts: number, w: RefWindow): [number, number][] {
  const size = w.size;
  const slide = w.kind === 'sliding' ? w.slide : w.size;
  const out: [number, number][] = [];
  for (let s = Math.floor((ts - size) / slide) * slide; s <= ts; s += slide) {
    if (s <= ts && ts < s + size) out.push([s, s + size]);
  }
  return out;
}

export function referenceWindowTopK(steps: readonly RefStep[], config: RefConfig): { results: RefResult[]; late: RefRecord[] } {
  let watermark = -Infinity;
  const isClosed = (end: number): boolean => watermark >= end - 1 + config.allowedLateness;
  const counted = new Map<string, { start: number; end: number; records: RefRecord[] }>(); // "start,end" → records
  const fired = new Set<string>();
  const results: RefResult[] = [];
  const late: RefRecord[] = [];

  const advance = (to: number): void => {
    watermark = Math.max(watermark, to);
    const ready = [...counted.entries()].filter(([id, w]) => !fired.has(id) && isClosed(w.end));
    ready.sort(([, a], [, b]) => a.end - b.end || a.start - b.start);
    for (const [id, w] of ready) {
      fired.add(id);
      const perGroup = new Map<string, Map<string, { count: number; sum: number }>>();
      for (const r of w.records) {
        for (const g of config.groupsOf(r.key)) {
          const keys = perGroup.get(g) ?? new Map<string, { count: number; sum: number }>();
          perGroup.set(g, keys);
          const agg = keys.get(r.key) ?? { count: 0, sum: 0 };
          keys.set(r.key, { count: agg.count + 1, sum: agg.sum + r.value });
        }
      }
      for (const g of [...perGroup.keys()].sort()) {
        const entries = [...perGroup.get(g)!].map(([key, a]) => ({ key, count: a.count, sum: a.sum }));
        entries.sort((a, b) => b.count - a.count || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
        results.push({ windowStart: w.start, windowEnd: w.end, group: g, entries: entries.slice(0, config.k) });
      }
    }
  };

  for (const step of steps) {
    if (step.kind === 'watermark') {
      advance(step.ts);
      continue;
    }
    for (const r of step.records) {
      const open = windowsOf(r.ts, config.window).filter(([, end]) => !isClosed(end));
      if (open.length === 0) late.push(r);
      for (const [start, end] of open) {
        const id = `${start},${end}`;
        const w = counted.get(id) ?? { start, end, records: [] };
        counted.set(id, w);
        w.records.push(r);
      }
    }
  }
  advance(Infinity);
  return { results, late };
}
