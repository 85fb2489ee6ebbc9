/**
 * Keyed event-time windows with incremental aggregation. Each record updates one slice accumulator
 * (see windows/window-spec.ts), read and written once per distinct (key, slice) per batch. When the
 * watermark closes a window (watermark ≥ end − 1 + allowed lateness) it fires once: the accumulators
 * of its slices are merged per key and one result per key is emitted. Records whose every window is
 * already closed go to the `late` port. With early firing, open windows also emit provisional results
 * (marked `early`) each time the watermark crosses a multiple of the interval.
 *
 * State layout (two tables of this operator):
 *   slices: [keyGroup][table][sliceEnd u64][key]  → JSON accumulator
 *   index:  [keyGroup][table][sliceEnd u64]       → empty (which key groups hold which slices)
 */
import type { AggregateFunction } from '../aggregate/aggregate-function.js';
import type { WindowResult } from '../api/functions.js';
import { KeyReader, prefixRange, stateKey } from '../state/key-codec.js';
import { WindowGeometry, type WindowSpec } from '../windows/window-spec.js';
import type { Operator, OperatorContext, Output, StreamRecord } from './operator.js';

/** [keyGroup u16][table u8][sliceEnd u64]: what precedes the key in a slice entry. */
const SLICE_KEY_PREFIX_BYTES = 11;

interface Pending {
  keyGroup: number;
  key: string;
  sliceEnd: number;
  acc: unknown;
}

export class WindowAggregateOperator implements Operator {
  readonly #geometry: WindowGeometry;
  readonly #lateness: number;
  readonly #early: number | null;
  readonly #slices: number;
  readonly #index: number;
  /** sliceEnd → key groups holding that slice. */
  readonly #live = new Map<number, Set<number>>();
  #watermark = -Infinity;

  constructor(
    private readonly ctx: OperatorContext,
    config: { window: WindowSpec; allowedLatenessMs: number; earlyFiringMs: number | null },
    private readonly fn: AggregateFunction<unknown, unknown, unknown>,
  ) {
    this.#geometry = new WindowGeometry(config.window);
    this.#lateness = config.allowedLatenessMs;
    this.#early = config.earlyFiringMs;
    [this.#slices, this.#index] = ctx.tables as [number, number];
  }

  #closed(windowEnd: number, watermark: number): boolean {
    return windowEnd - 1 + this.#lateness <= watermark;
  }

  async processBatch(records: readonly StreamRecord[], out: Output): Promise<void> {
    const pending = new Map<string, Pending>();
    for (const r of records) {
      if (this.#closed(this.#geometry.lastWindowEnd(r.timestamp), this.#watermark)) {
        out.emit({ value: r.value, timestamp: r.timestamp }, 'late');
        continue;
      }
      const sliceEnd = this.#geometry.sliceEnd(r.timestamp);
      const id = `${sliceEnd}\u0000${r.key!}`;
      let p = pending.get(id);
      if (!p) pending.set(id, (p = { keyGroup: r.keyGroup!, key: r.key!, sliceEnd, acc: this.fn.create() }));
      p.acc = this.fn.add(p.acc, r.value);
    }
    if (pending.size === 0) return;
    const entries = [...pending.values()];
    const keys = entries.map((p) => stateKey(p.keyGroup, this.#slices).u64(p.sliceEnd).tail(p.key).finish());
    const stored = await this.ctx.backend.getMany(keys);
    const puts: [Buffer, Buffer][] = [];
    entries.forEach((p, i) => {
      const before = stored[i];
      const acc = before === undefined ? p.acc : this.fn.merge(JSON.parse(before.toString()), p.acc);
      puts.push([keys[i]!, Buffer.from(JSON.stringify(acc))]);
      let groups = this.#live.get(p.sliceEnd);
      if (!groups) this.#live.set(p.sliceEnd, (groups = new Set()));
      if (!groups.has(p.keyGroup)) {
        groups.add(p.keyGroup);
        puts.push([stateKey(p.keyGroup, this.#index).u64(p.sliceEnd).finish(), Buffer.alloc(0)]);
      }
    });
    await this.ctx.backend.write({ puts, deletes: [] });
  }

  async onWatermark(watermark: number, out: Output): Promise<void> {
    if (watermark <= this.#watermark) return;
    const previous = this.#watermark;
    this.#watermark = watermark;
    // Windows that hold a live slice and closed with this watermark, oldest first (those that closed
    // earlier have fired already). A slice is dropped once its newest window has fired.
    const ends = new Set<number>();
    for (const sliceEnd of this.#live.keys()) {
      for (let end = this.#geometry.windowEndAtOrAfter(sliceEnd); end - this.#geometry.size < sliceEnd; end += this.#geometry.slide) {
        if (this.#closed(end, watermark) && !this.#closed(end, previous)) ends.add(end);
      }
    }
    for (const end of [...ends].sort((a, b) => a - b)) await this.#fire(end, out, false);
    if (this.#early !== null && Number.isFinite(watermark) && (previous === -Infinity || Math.floor(watermark / this.#early) > Math.floor(previous / this.#early))) {
      const open = new Set<number>();
      for (const sliceEnd of this.#live.keys()) {
        for (let end = this.#geometry.windowEndAtOrAfter(sliceEnd); end - this.#geometry.size < sliceEnd; end += this.#geometry.slide) {
          if (!this.#closed(end, watermark)) open.add(end);
        }
      }
      for (const end of [...open].sort((a, b) => a - b)) await this.#fire(end, out, true);
    }
    // Slices expire oldest first, so per key group everything below the newest expired slice goes
    // in one range delete (slices and their index entries).
    const expiredUpTo = new Map<number, number>();
    for (const [sliceEnd, groups] of [...this.#live]) {
      if (!this.#closed(this.#geometry.lastWindowEndOfSlice(sliceEnd), watermark)) continue;
      this.#live.delete(sliceEnd);
      for (const kg of groups) expiredUpTo.set(kg, Math.max(expiredUpTo.get(kg) ?? 0, sliceEnd));
    }
    for (const [kg, upTo] of expiredUpTo) {
      for (const table of [this.#slices, this.#index]) {
        await this.ctx.backend.deleteRange({ gte: stateKey(kg, table).finish(), lt: stateKey(kg, table).u64(upTo + 1).finish() });
      }
    }
  }

  async #fire(windowEnd: number, out: Output, early: boolean): Promise<void> {
    const accs = new Map<string, unknown>();
    const windowStart = windowEnd - this.#geometry.size;
    const keyGroups = new Set<number>();
    for (const sliceEnd of this.#geometry.slicesOf(windowEnd)) for (const kg of this.#live.get(sliceEnd) ?? []) keyGroups.add(kg);
    // A window's slices are adjacent in the layout: one scan per key group reads them all.
    const firstSlice = Math.max(0, windowStart + 1);
    for (const kg of [...keyGroups].sort((x, y) => x - y)) {
      const range = { gte: stateKey(kg, this.#slices).u64(firstSlice).finish(), lt: stateKey(kg, this.#slices).u64(windowEnd + 1).finish() };
      for await (const [k, v] of this.ctx.backend.scan(range)) {
        const key = k.subarray(SLICE_KEY_PREFIX_BYTES).toString();
        const acc = JSON.parse(v.toString()) as unknown;
        const before = accs.get(key);
        accs.set(key, before === undefined ? acc : this.fn.merge(before, acc));
      }
    }
    for (const [key, acc] of accs) {
      const result: WindowResult<unknown> = { key, windowStart, windowEnd, value: this.fn.result(acc), early };
      // An early result belongs to this watermark step, a final one to its window's end.
      out.emit({ value: result, timestamp: early ? this.#watermark : windowEnd - 1, key });
    }
  }

  async restore(watermark: number): Promise<void> {
    this.#watermark = watermark;
    this.#live.clear();
    const { start, end } = this.ctx.keyGroups;
    for (let kg = start; kg <= end; kg += 1) {
      const prefix = stateKey(kg, this.#index).finish();
      for await (const [k] of this.ctx.backend.scan(prefixRange(prefix))) {
        const sliceEnd = new KeyReader(k.subarray(prefix.length)).u64();
        let groups = this.#live.get(sliceEnd);
        if (!groups) this.#live.set(sliceEnd, (groups = new Set()));
        groups.add(kg);
      }
    }
  }
}
