/**
 * Top-K, phase 2 of 2: combines the local top-Ks of every task (see top-k-local.ts for why this is
 * exact) and emits one ranked result per window and group once the watermark says every task's
 * partial for that window has arrived. Early partials are merged and emitted in the same step.
 *
 * Partials wait in keyed state (key group 0 of this operator's table), so a merge that runs as its own
 * task, reading partials from an internal topic, keeps the ones it has consumed across a restart:
 *   [0][table][windowEnd u64][early u8][group] → JSON { windowStart, entries, parts }
 * (`parts`: how many partials were merged in, to count them should the group be left out.)
 *
 * Per window it holds the first `--max-groups` groups received, in top-k-local's group order: a
 * group that ranks after them is left out, one that ranks before evicts the last. That set only
 * depends on which groups arrived, so once every partial is in, it is the global first maxGroups.
 */
import type { TopKResult } from '../api/functions.js';
import type { NodeConfigs } from '../graph/job-graph.js';
import { KeyReader, prefixRange, stateKey, type KeyWriter } from '../state/key-codec.js';
import { CappedSet } from './capped-set.js';
import type { Operator, OperatorContext, Output, StreamRecord } from './operator.js';
import { groupOrder, type PartialTopK } from './top-k-local.js';
import { topK, type Ranked } from './ranking.js';

interface Stored {
  windowStart: number;
  entries: Ranked<unknown>[];
  /** Absent in state written before groups were capped: one partial. */
  parts?: number;
}

export class TopKMergeOperator implements Operator {
  readonly #table: number;
  readonly #order: (a: string, b: string) => number;
  /**
   * The groups in state per window (`f`/`e` + windowEnd), read from the backend when a window is
   * first met. Only this operator writes its table, and a task rebuilds its operators whenever its
   * state goes back to a commit, so this stays a copy of the state.
   */
  readonly #held = new Map<string, CappedSet<string>>();

  constructor(
    private readonly ctx: OperatorContext,
    private readonly config: NodeConfigs['topK'],
  ) {
    this.#table = ctx.tables[0]!;
    this.#order = groupOrder(config.overall);
    ctx.meter?.groupsDropped(ctx.node, 0);
  }

  #window(windowEnd: number, early: boolean): KeyWriter {
    return stateKey(0, this.#table).u64(windowEnd).u8(early ? 1 : 0);
  }

  async processBatch(records: readonly StreamRecord[]): Promise<void> {
    const merged = new Map<string, { key: Buffer; partial: PartialTopK; parts: number }>();
    const evicted: Buffer[] = [];
    let dropped = 0;
    for (const { value } of records) {
      const p = value as PartialTopK;
      const windowEnd = Math.max(0, p.windowEnd);
      const held = await this.#heldGroups(windowEnd, p.early);
      const left = held.add(p.group);
      if (left === p.group) {
        dropped += 1;
        continue;
      }
      if (left !== undefined) {
        // Its partials merged in this batch are counted here, those in state once read below.
        const key = this.#window(windowEnd, p.early).tail(left).finish();
        dropped += merged.get(key.toString('latin1'))?.parts ?? 0;
        merged.delete(key.toString('latin1'));
        evicted.push(key);
      }
      const key = this.#window(windowEnd, p.early).tail(p.group).finish();
      const id = key.toString('latin1');
      const w = merged.get(id);
      // Keeping only the K best of what has arrived is exact: the result is the K best of all of it.
      if (w) {
        w.partial.entries = topK([...w.partial.entries, ...p.entries], this.config.k);
        w.parts += 1;
      } else merged.set(id, { key, partial: { ...p, entries: topK(p.entries, this.config.k) }, parts: 1 });
    }
    const entries = [...merged.values()];
    const stored = await this.ctx.backend.getMany([...entries.map((e) => e.key), ...evicted]);
    for (let i = 0; i < evicted.length; i += 1) {
      const s = stored[entries.length + i];
      if (s) dropped += (JSON.parse(s.toString()) as Stored).parts ?? 1;
    }
    await this.ctx.backend.write({
      puts: entries.map((e, i) => {
        const before = stored[i] ? (JSON.parse(stored[i]!.toString()) as Stored) : undefined;
        const value: Stored = {
          windowStart: e.partial.windowStart,
          entries: topK([...(before?.entries ?? []), ...e.partial.entries], this.config.k),
          parts: (before ? (before.parts ?? 1) : 0) + e.parts,
        };
        return [e.key, Buffer.from(JSON.stringify(value))] as const;
      }),
      deletes: evicted,
    });
    if (dropped > 0) this.ctx.meter?.groupsDropped(this.ctx.node, dropped);
  }

  /** The groups held for a window, from state the first time (dropping those over a lowered cap). */
  async #heldGroups(windowEnd: number, early: boolean): Promise<CappedSet<string>> {
    const id = `${early ? 'e' : 'f'}${windowEnd}`;
    let held = this.#held.get(id);
    if (held) return held;
    held = new CappedSet(this.ctx.maxGroups, this.#order);
    const prefix = this.#window(windowEnd, early).finish();
    const parts = new Map<string, number>();
    const over: string[] = [];
    for await (const [k, v] of this.ctx.backend.scan(prefixRange(prefix))) {
      const group = k.subarray(prefix.length).toString('utf8');
      parts.set(group, (JSON.parse(v.toString()) as Stored).parts ?? 1);
      const left = held.add(group);
      if (left !== undefined) over.push(left);
    }
    if (over.length > 0) {
      await this.ctx.backend.write({ puts: [], deletes: over.map((g) => this.#window(windowEnd, early).tail(g).finish()) });
      this.ctx.meter?.groupsDropped(this.ctx.node, over.reduce((n, g) => n + parts.get(g)!, 0));
    }
    this.#held.set(id, held);
    return held;
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
      const { windowStart, entries } = JSON.parse(v.toString()) as Stored;
      due.push({ key: k, result: { windowStart, windowEnd, group, early, entries: entries.map((e, i) => ({ rank: i + 1, key: e.key, score: e.score, value: e.value })) } });
    }
    due.sort((a, b) => Number(a.result.early) - Number(b.result.early) || a.result.windowEnd - b.result.windowEnd || a.result.windowStart - b.result.windowStart || (a.result.group < b.result.group ? -1 : 1));
    for (const d of due) {
      out.emit({ value: d.result, timestamp: d.result.windowEnd - 1 });
      this.#held.delete(`${d.result.early ? 'e' : 'f'}${d.result.windowEnd}`);
    }
    if (due.length > 0) await this.ctx.backend.write({ puts: [], deletes: due.map((d) => d.key) });
  }
}
