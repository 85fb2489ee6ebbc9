/**
 * Top-K, phase 2 of 2: combines the local top-Ks of every task (see top-k-local.ts for why this is
 * exact) and emits one ranked result per window and group once the watermark says every task's
 * partial for that window has arrived. Early partials are merged and emitted in the same step.
 */
import type { TopKResult } from '../api/functions.js';
import type { Operator, Output, StreamRecord } from './operator.js';
import type { PartialTopK } from './top-k-local.js';
import { topK } from './ranking.js';

type Pending = Map<string, PartialTopK>;

export class TopKMergeOperator implements Operator {
  readonly #final: Pending = new Map();
  readonly #early: Pending = new Map();

  constructor(private readonly k: number) {}

  processBatch(records: readonly StreamRecord[]): void {
    for (const { value } of records) {
      const p = value as PartialTopK;
      const pending = p.early ? this.#early : this.#final;
      const id = `${p.windowEnd}\u0000${p.group}`;
      const w = pending.get(id);
      if (w) w.entries.push(...p.entries);
      else pending.set(id, { ...p, entries: [...p.entries] });
    }
  }

  onWatermark(watermark: number, out: Output): void {
    this.#emit(this.#final, (w) => w.windowEnd - 1 <= watermark, out);
    this.#emit(this.#early, () => true, out);
  }

  #emit(pending: Pending, ready: (w: PartialTopK) => boolean, out: Output): void {
    const due = [...pending.entries()]
      .filter(([, w]) => ready(w))
      .sort(([, a], [, b]) => a.windowEnd - b.windowEnd || a.windowStart - b.windowStart || (a.group < b.group ? -1 : a.group > b.group ? 1 : 0));
    for (const [id, w] of due) {
      pending.delete(id);
      const result: TopKResult<unknown> = {
        windowStart: w.windowStart,
        windowEnd: w.windowEnd,
        group: w.group,
        entries: topK(w.entries, this.k).map((e, i) => ({ rank: i + 1, key: e.key, score: e.score, value: e.value })),
        early: w.early,
      };
      out.emit({ value: result, timestamp: w.windowEnd - 1 });
    }
  }
}
