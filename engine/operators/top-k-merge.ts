/**
 * Top-K, phase 2 of 2: combines the local top-Ks of every task (see top-k-local.ts for why this is
 * exact) and emits one ranked result per window and group once the watermark says every task's
 * partial for that window has arrived. Early partials are merged and emitted in the same step.
 *
 * Partials wait in keyed state (key group 0 of this operator's table), so a merge that runs as its own
 * task, reading partials from an internal topic, keeps the ones it has consumed across a restart:
 *   [0][table][windowEnd u64][early u8][group] → JSON { windowStart, entries }
 */
import type { TopKResult } from '../api/functions.js';
import { KeyReader, stateKey } from '../state/key-codec.js';
import type { Operator, OperatorContext, Output, StreamRecord } from './operator.js';
import type { PartialTopK } from './top-k-local.js';
import { topK, type Ranked } from './ranking.js';

export class TopKMergeOperator implements Operator {
  readonly #table: number;

  constructor(
    private readonly ctx: OperatorContext,
    private readonly k: number,
  ) {
    this.#table = ctx.tables[0]!;
  }

  #key(windowEnd: number, early: boolean, group: string): Buffer {
    return stateKey(0, this.#table).u64(Math.max(0, windowEnd)).u8(early ? 1 : 0).tail(group).finish();
  }

  async processBatch(records: readonly StreamRecord[]): Promise<void> {
    const merged = new Map<string, { key: Buffer; partial: PartialTopK }>();
    for (const { value } of records) {
      const p = value as PartialTopK;
      const key = this.#key(p.windowEnd, p.early, p.group);
      const id = key.toString('latin1');
      const w = merged.get(id);
      // Keeping only the K best of what has arrived is exact: the result is the K best of all of it.
      if (w) w.partial.entries = topK([...w.partial.entries, ...p.entries], this.k);
      else merged.set(id, { key, partial: { ...p, entries: topK(p.entries, this.k) } });
    }
    const entries = [...merged.values()];
    const stored = await this.ctx.backend.getMany(entries.map((e) => e.key));
    await this.ctx.backend.write({
      puts: entries.map((e, i) => {
        const before = stored[i] ? (JSON.parse(stored[i]!.toString()) as { entries: Ranked<unknown>[] }).entries : [];
        const all = topK([...before, ...e.partial.entries], this.k);
        return [e.key, Buffer.from(JSON.stringify({ windowStart: e.partial.windowStart, entries: all }))] as const;
      }),
      deletes: [],
    });
  }

  async onWatermark(watermark: number, out: Output): Promise<void> {
    const due: { key: Buffer; result: TopKResult<unknown> }[] = [];
    const upTo = Number.isFinite(watermark) ? Math.max(0, Math.floor(watermark) + 2) : Number.MAX_SAFE_INTEGER;
    for await (const [k, v] of this.ctx.backend.scan({ gte: stateKey(0, this.#table).finish(), lt: stateKey(0, this.#table + 1).finish() })) {
      const r = new KeyReader(k.subarray(3));
      const windowEnd = r.u64();
      const early = r.u8() === 1;
      // Final partials wait for the watermark to pass the window end; early ones go out in this step.
      if (!early && windowEnd > upTo - 1) continue;
      const group = r.tail();
      const { windowStart, entries } = JSON.parse(v.toString()) as { windowStart: number; entries: Ranked<unknown>[] };
      due.push({ key: k, result: { windowStart, windowEnd, group, early, entries: entries.map((e, i) => ({ rank: i + 1, key: e.key, score: e.score, value: e.value })) } });
    }
    due.sort((a, b) => Number(a.result.early) - Number(b.result.early) || a.result.windowEnd - b.result.windowEnd || a.result.windowStart - b.result.windowStart || (a.result.group < b.result.group ? -1 : 1));
    for (const d of due) out.emit({ value: d.result, timestamp: d.result.windowEnd - 1 });
    if (due.length > 0) await this.ctx.backend.write({ puts: [], deletes: due.map((d) => d.key) });
  }
}
