/**
 * Top-K, phase 2 of 2: combines the local top-Ks of every task (see top-k-local.ts for why this is
 * exact) and emits one ranked result per window and group once the watermark says every task's
 * partial for that window has arrived.
 */
import type { TopKResult } from '../api/functions.js';
import type { Operator, Output, StreamRecord } from './operator.js';
import type { PartialTopK } from './top-k-local.js';
import { topK, type Ranked } from './ranking.js';

export class TopKMergeOperator implements Operator {
  readonly #pending = new Map<string, { windowStart: number; windowEnd: number; group: string; entries: Ranked<unknown>[] }>();

  constructor(private readonly k: number) {}

  processBatch(records: readonly StreamRecord[]): void {
    for (const { value } of records) {
      const p = value as PartialTopK;
      const id = `${p.windowEnd}\u0000${p.group}`;
      const w = this.#pending.get(id);
      if (w) w.entries.push(...p.entries);
      else this.#pending.set(id, { windowStart: p.windowStart, windowEnd: p.windowEnd, group: p.group, entries: [...p.entries] });
    }
  }

  onWatermark(watermark: number, out: Output): void {
    const ready = [...this.#pending.values()]
      .filter((w) => w.windowEnd - 1 <= watermark)
      .sort((a, b) => a.windowEnd - b.windowEnd || a.windowStart - b.windowStart || (a.group < b.group ? -1 : a.group > b.group ? 1 : 0));
    for (const w of ready) {
      this.#pending.delete(`${w.windowEnd}\u0000${w.group}`);
      const result: TopKResult<unknown> = {
        windowStart: w.windowStart,
        windowEnd: w.windowEnd,
        group: w.group,
        entries: topK(w.entries, this.k).map((e, i) => ({ rank: i + 1, key: e.key, score: e.score, value: e.value })),
      };
      out.emit({ value: result, timestamp: w.windowEnd - 1 });
    }
  }
}
