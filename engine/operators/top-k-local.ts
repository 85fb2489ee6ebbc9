/**
 * Top-K, phase 1 of 2: over the window results of the keys this task owns, keep the K best per
 * (window, group) and send them to the merge phase when the window's results are complete.
 *
 * Why two phases are exact: a key lives in exactly one task (key groups are disjoint), so every key's
 * window result is ranked by exactly one local phase, with its final value. A key in a window's global
 * top K is in the top K of its own task (fewer than K keys anywhere beat it), so the union of the
 * local top-Ks contains the global top K, and the merge sees at most K entries per task per window.
 * Early (provisional) results are ranked the same way, within the watermark step that produced them.
 */
import type { WindowResult } from '../api/functions.js';
import type { Operator, Output, StreamRecord } from './operator.js';
import { topK, type Ranked } from './ranking.js';

/** What the local phase sends to the merge phase: one task's best K of one window and group. */
export interface PartialTopK {
  windowStart: number;
  windowEnd: number;
  group: string;
  entries: Ranked<unknown>[];
  early: boolean;
}

type Candidates = Map<number, { windowStart: number; groups: Map<string, Ranked<unknown>[]> }>;

export class TopKLocalOperator implements Operator {
  /** windowEnd → group → candidates: final results wait for the watermark, early ones for the step's end. */
  readonly #final: Candidates = new Map();
  readonly #early: Candidates = new Map();

  constructor(
    private readonly k: number,
    private readonly score: (value: unknown) => number,
    private readonly groupsOf: (result: WindowResult<unknown>) => readonly string[],
  ) {}

  processBatch(records: readonly StreamRecord[]): void {
    for (const { value } of records) {
      const r = value as WindowResult<unknown>;
      const pending = r.early ? this.#early : this.#final;
      let w = pending.get(r.windowEnd);
      if (!w) pending.set(r.windowEnd, (w = { windowStart: r.windowStart, groups: new Map() }));
      const entry: Ranked<unknown> = { key: r.key, score: this.score(r.value), value: r.value };
      for (const group of this.groupsOf(r)) {
        let list = w.groups.get(group);
        if (!list) w.groups.set(group, (list = []));
        list.push(entry);
      }
    }
  }

  onWatermark(watermark: number, out: Output): void {
    this.#emit(this.#final, (windowEnd) => windowEnd - 1 <= watermark, false, out);
    this.#emit(this.#early, () => true, true, out);
  }

  #emit(pending: Candidates, ready: (windowEnd: number) => boolean, early: boolean, out: Output): void {
    for (const [windowEnd, w] of [...pending].sort((a, b) => a[0] - b[0])) {
      if (!ready(windowEnd)) continue;
      pending.delete(windowEnd);
      for (const [group, candidates] of w.groups) {
        const partial: PartialTopK = { windowStart: w.windowStart, windowEnd, group, entries: topK(candidates, this.k), early };
        out.emit({ value: partial, timestamp: windowEnd - 1 });
      }
    }
  }
}
