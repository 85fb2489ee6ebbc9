/**
 * The benchmark's expected rankings, computed directly: views and watch seconds per content id in
 * each sliding window, in flat arrays indexed by content id, then the top K per category and overall.
 * The project's reference (engine/testing/reference/) keeps every record per window and is too slow
 * for a million keys; this one is checked against it on random inputs (window-rankings.test.ts) and
 * shares no code with the engine. No event may be late: windows are complete.
 */

export interface RankedEvent {
  contentId: string;
  category: string;
  eventTime: number;
  watchSeconds: number;
}

export interface Ranking {
  windowStart: number;
  windowEnd: number;
  /** A category, or `all`. */
  group: string;
  entries: { contentId: string; views: number; watchSeconds: number }[];
}

/**
 * @example
 * windowRankings(events, { windowMs: 600_000, slideMs: 60_000, top: 10 }); // one Ranking per window and group
 */
export function windowRankings(events: readonly RankedEvent[], o: { windowMs: number; slideMs: number; top: number }): Ranking[] {
  const index = new Map<string, number>();
  const ids: string[] = [];
  const categoryOf: string[] = [];
  for (const e of events) {
    if (index.has(e.contentId)) continue;
    index.set(e.contentId, ids.length);
    ids.push(e.contentId);
    categoryOf.push(e.category);
  }
  const windows = new Map<number, { views: Int32Array; seconds: Float64Array }>();
  for (const e of events) {
    const i = index.get(e.contentId)!;
    // Every epoch-aligned window [s, s + size) holding the event: s a multiple of the slide in (t − size, t].
    for (let s = Math.floor(e.eventTime / o.slideMs) * o.slideMs; s > e.eventTime - o.windowMs; s -= o.slideMs) {
      let w = windows.get(s);
      if (!w) windows.set(s, (w = { views: new Int32Array(ids.length), seconds: new Float64Array(ids.length) }));
      w.views[i]! += 1;
      w.seconds[i]! += e.watchSeconds;
    }
  }
  const out: Ranking[] = [];
  for (const start of [...windows.keys()].sort((a, b) => a - b)) {
    const w = windows.get(start)!;
    const present: number[] = [];
    for (let i = 0; i < ids.length; i += 1) if (w.views[i]! > 0) present.push(i);
    // Views descending, then content id ascending (code-unit order, as the engine compares strings).
    present.sort((a, b) => w.views[b]! - w.views[a]! || (ids[a]! < ids[b]! ? -1 : ids[a]! > ids[b]! ? 1 : 0));
    const groups = new Map<string, number[]>([['all', []]]);
    for (const i of present) {
      const all = groups.get('all')!;
      if (all.length < o.top) all.push(i);
      const c = groups.get(categoryOf[i]!) ?? [];
      groups.set(categoryOf[i]!, c);
      if (c.length < o.top) c.push(i);
    }
    for (const [group, top] of groups) {
      out.push({ windowStart: start, windowEnd: start + o.windowMs, group, entries: top.map((i) => ({ contentId: ids[i]!, views: w.views[i]!, watchSeconds: w.seconds[i]! })) });
    }
  }
  return out;
}
