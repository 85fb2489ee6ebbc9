/**
 * Keyed event-time windows with incremental aggregation. Each record updates one slice accumulator
 * (see windows/window-spec.ts). When the watermark closes a window (watermark ≥ end − 1 + allowed
 * lateness) it fires once: the accumulators of its slices are merged per key and one result per key
 * is emitted. Records whose every window is already closed go to the `late` port. With early firing,
 * open windows also emit provisional results (marked `early`) each time the watermark crosses a
 * multiple of the interval.
 *
 * Slices live in the state backend; open slices are also kept on the heap, up to the context's
 * `cacheEntries`, so records and window fires touch no store on the hot path. A cached slice's
 * changed entries reach the backend at `flush()` (before every commit, so the changelog and local
 * RocksDB carry them as before). Slices created beyond the budget, slices spilled to make room and
 * slices restored after a restart are read and written through the backend instead, until a window
 * fire reads one in full: then it is cached again if the budget allows.
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
import { SKIPPED } from './user-code.js';

/** [keyGroup u16][table u8]: what precedes the slice end in a slice entry. */
const SLICE_END_OFFSET = 3;
/** … and the slice end (u64): what precedes the key. */
const SLICE_KEY_PREFIX_BYTES = 11;

interface Pending {
  keyGroup: number;
  key: string;
  sliceEnd: number;
  acc: unknown;
}

/** A key's accumulator during a window fire; `own` when the fire made it (so it may change in place). */
interface Merging {
  acc: unknown;
  own: boolean;
}

interface CachedEntry {
  keyGroup: number;
  acc: unknown;
  /** Changed since the last flush. */
  dirty: boolean;
  /** Flushed at least once: the backend has a copy to delete when the slice expires. */
  stored: boolean;
}

interface Slice {
  /** Key groups whose index entry is written (the backend holds some of their entries). */
  keyGroups: Set<number>;
  /** Every entry of the slice, or null: spilled, the backend alone holds it. */
  cache: Map<string, CachedEntry> | null;
  /** Keys of cached entries changed since the last flush. */
  dirty: string[];
}

export class WindowAggregateOperator implements Operator {
  readonly #geometry: WindowGeometry;
  readonly #lateness: number;
  readonly #early: number | null;
  readonly #slicesTable: number;
  readonly #indexTable: number;
  readonly #slices = new Map<number, Slice>();
  #cached = 0;
  #watermark = -Infinity;

  constructor(
    private readonly ctx: OperatorContext,
    config: { window: WindowSpec; allowedLatenessMs: number; earlyFiringMs: number | null },
    private readonly fn: AggregateFunction<unknown, unknown, unknown>,
  ) {
    this.#geometry = new WindowGeometry(config.window);
    this.#lateness = config.allowedLatenessMs;
    this.#early = config.earlyFiringMs;
    [this.#slicesTable, this.#indexTable] = ctx.tables as [number, number];
  }

  #closed(windowEnd: number, watermark: number): boolean {
    return windowEnd - 1 + this.#lateness <= watermark;
  }

  #slice(sliceEnd: number): Slice {
    let s = this.#slices.get(sliceEnd);
    if (!s) {
      if (this.#cached >= this.ctx.cacheEntries) this.#dropClean(this.ctx.cacheEntries - 1);
      this.#slices.set(sliceEnd, (s = { keyGroups: new Set(), cache: this.#cached < this.ctx.cacheEntries ? new Map() : null, dirty: [] }));
    }
    return s;
  }

  /**
   * Drops the heap copies of clean slices until at most `limit` entries are cached: the backend holds
   * every entry of a slice without changes since the last flush. The oldest go first: they take part
   * in the fewest windows still to fire.
   */
  #dropClean(limit: number): void {
    for (const [, slice] of [...this.#slices].sort((a, b) => a[0] - b[0])) {
      if (this.#cached <= limit) return;
      if (!slice.cache || slice.dirty.length > 0) continue;
      this.#cached -= slice.cache.size;
      slice.cache = null;
    }
  }

  async processBatch(records: readonly StreamRecord[], out: Output): Promise<void> {
    const spilled = new Map<string, Pending>();
    for (const r of records) {
      if (this.#closed(this.#geometry.lastWindowEnd(r.timestamp), this.#watermark)) {
        out.emit({ value: r.value, timestamp: r.timestamp }, 'late');
        continue;
      }
      const sliceEnd = this.#geometry.sliceEnd(r.timestamp);
      const slice = this.#slice(sliceEnd);
      const key = r.key!;
      if (slice.cache) {
        let e = slice.cache.get(key);
        const acc = this.#added(e, r);
        if (acc === SKIPPED) continue;
        if (!e) {
          slice.cache.set(key, (e = { keyGroup: r.keyGroup!, acc, dirty: false, stored: false }));
          this.#cached += 1;
        } else e.acc = acc;
        if (!e.dirty) {
          e.dirty = true;
          slice.dirty.push(key);
        }
        continue;
      }
      const id = `${sliceEnd}\u0000${key}`;
      const p = spilled.get(id);
      const acc = this.#added(p, r);
      if (acc === SKIPPED) continue;
      if (p) p.acc = acc;
      else spilled.set(id, { keyGroup: r.keyGroup!, key, sliceEnd, acc });
    }
    if (spilled.size > 0) await this.#updateStored([...spilled.values()]);
  }

  /**
   * The accumulator after adding the record to `into` (a new one when there is none). A pure `add`
   * runs on the accumulator itself; any other runs on a fresh one that is then merged, so an `add`
   * that throws halfway leaves no half update behind. A record its function keeps throwing on is
   * given up (SKIPPED) and the accumulator stays as it was.
   */
  #added(into: { acc: unknown } | undefined, r: StreamRecord): unknown {
    try {
      return this.#add(into, r.value);
    } catch (e) {
      return this.#addAgain(into, r, e);
    }
  }

  // Its own method: a closure in #added would cost every record a context allocation.
  #addAgain(into: { acc: unknown } | undefined, r: StreamRecord, e: unknown): unknown {
    return this.ctx.userCode.recover(this.ctx.node, r, e, () => this.#add(into, r.value));
  }

  #add(into: { acc: unknown } | undefined, value: unknown): unknown {
    if (!into) return this.fn.add(this.fn.create(), value);
    return this.fn.pureAdd ? this.fn.add(into.acc, value) : this.fn.merge(into.acc, this.fn.add(this.fn.create(), value));
  }

  /** Read-modify-write of spilled slices' entries: one read and one write per distinct entry. */
  async #updateStored(entries: Pending[]): Promise<void> {
    const keys = entries.map((p) => this.#entryKey(p.keyGroup, p.sliceEnd, p.key));
    const stored = await this.ctx.backend.getMany(keys);
    const puts: [Buffer, Buffer][] = [];
    entries.forEach((p, i) => {
      const before = stored[i];
      const acc = before === undefined ? p.acc : this.fn.merge(JSON.parse(before.toString()), p.acc);
      puts.push([keys[i]!, Buffer.from(JSON.stringify(acc))]);
      this.#indexed(this.#slices.get(p.sliceEnd)!, p.keyGroup, p.sliceEnd, puts);
    });
    await this.ctx.backend.write({ puts, deletes: [] });
  }

  /** Adds the slice's index entry for a key group the first time it stores something there. */
  #indexed(slice: Slice, keyGroup: number, sliceEnd: number, puts: [Buffer, Buffer][]): void {
    if (slice.keyGroups.has(keyGroup)) return;
    slice.keyGroups.add(keyGroup);
    puts.push([stateKey(keyGroup, this.#indexTable).u64(sliceEnd).finish(), Buffer.alloc(0)]);
  }

  #entryKey(keyGroup: number, sliceEnd: number, key: string): Buffer {
    return stateKey(keyGroup, this.#slicesTable).u64(sliceEnd).tail(key).finish();
  }

  /** Writes cached entries changed since the last flush to the backend, then spills over budget. */
  async flush(): Promise<void> {
    const puts: [Buffer, Buffer][] = [];
    for (const [sliceEnd, slice] of this.#slices) {
      if (!slice.cache) continue;
      for (const key of slice.dirty) {
        const e = slice.cache.get(key)!;
        e.dirty = false;
        e.stored = true;
        puts.push([this.#entryKey(e.keyGroup, sliceEnd, key), Buffer.from(JSON.stringify(e.acc))]);
        this.#indexed(slice, e.keyGroup, sliceEnd, puts);
      }
      slice.dirty = [];
    }
    if (puts.length > 0) await this.ctx.backend.write({ puts, deletes: [] });
    // Everything is clean now: slices over the budget can go.
    this.#dropClean(this.ctx.cacheEntries);
  }

  async onWatermark(watermark: number, out: Output): Promise<void> {
    if (watermark <= this.#watermark) return;
    const previous = this.#watermark;
    this.#watermark = watermark;
    // Windows that hold a live slice and closed with this watermark, oldest first (those that closed
    // earlier have fired already). A slice is dropped once its newest window has fired.
    const ends = new Set<number>();
    for (const sliceEnd of this.#slices.keys()) {
      for (let end = this.#geometry.windowEndAtOrAfter(sliceEnd); end - this.#geometry.size < sliceEnd; end += this.#geometry.slide) {
        if (this.#closed(end, watermark) && !this.#closed(end, previous)) ends.add(end);
      }
    }
    for (const end of [...ends].sort((a, b) => a - b)) await this.#fire(end, out, false);
    if (this.#early !== null && Number.isFinite(watermark) && (previous === -Infinity || Math.floor(watermark / this.#early) > Math.floor(previous / this.#early))) {
      const open = new Set<number>();
      for (const sliceEnd of this.#slices.keys()) {
        for (let end = this.#geometry.windowEndAtOrAfter(sliceEnd); end - this.#geometry.size < sliceEnd; end += this.#geometry.slide) {
          if (!this.#closed(end, watermark)) open.add(end);
        }
      }
      for (const end of [...open].sort((a, b) => a - b)) await this.#fire(end, out, true);
    }
    await this.#expire(watermark);
  }

  /** Drops the slices whose newest window has fired, with their entries in the backend. */
  async #expire(watermark: number): Promise<void> {
    const deletes: Buffer[] = [];
    // Spilled slices expire oldest first, so per key group everything below the newest expired one
    // goes in one range delete (slices and their index entries).
    const spilledUpTo = new Map<number, number>();
    for (const [sliceEnd, slice] of [...this.#slices]) {
      if (!this.#closed(this.#geometry.lastWindowEndOfSlice(sliceEnd), watermark)) continue;
      this.#slices.delete(sliceEnd);
      if (slice.cache) {
        for (const [key, e] of slice.cache) if (e.stored) deletes.push(this.#entryKey(e.keyGroup, sliceEnd, key));
        for (const kg of slice.keyGroups) deletes.push(stateKey(kg, this.#indexTable).u64(sliceEnd).finish());
        this.#cached -= slice.cache.size;
      } else {
        for (const kg of slice.keyGroups) spilledUpTo.set(kg, Math.max(spilledUpTo.get(kg) ?? 0, sliceEnd));
      }
    }
    if (deletes.length > 0) await this.ctx.backend.write({ puts: [], deletes });
    for (const [kg, upTo] of spilledUpTo) {
      for (const table of [this.#slicesTable, this.#indexTable]) {
        await this.ctx.backend.deleteRange({ gte: stateKey(kg, table).finish(), lt: stateKey(kg, table).u64(upTo + 1).finish() });
      }
    }
  }

  async #fire(windowEnd: number, out: Output, early: boolean): Promise<void> {
    const accs = new Map<string, Merging>();
    const windowStart = windowEnd - this.#geometry.size;
    // A key whose merge or result keeps throwing is left out of this window (and dead-lettered once).
    // The retries are built in #fireAgain: a closure here would cost every key an allocation.
    let failed: Set<string> | undefined;
    const again = <T>(key: string, e: unknown, call: (a: unknown, b: unknown) => T, a: unknown, b?: unknown): T | typeof SKIPPED => {
      const result = this.#fireAgain(key, windowStart, windowEnd, e, call, a, b);
      if (result === SKIPPED) (failed ??= new Set()).add(key);
      return result;
    };
    // A key starts with its first slice's accumulator, which is cached and must not change; the
    // first merge makes one of the fire's own, which later slices merge into in place where the
    // function can (`mergeInto`) instead of allocating a new one per slice.
    const add = (key: string, acc: unknown): void => {
      if (failed?.has(key)) return;
      const m = accs.get(key);
      if (m === undefined) return void accs.set(key, { acc, own: false });
      try {
        if (m.own && this.fn.mergeInto) return this.fn.mergeInto(m.acc, acc);
        this.#merged(m, this.fn.merge(m.acc, acc), acc);
      } catch (e) {
        const merged = again(key, e, (x, y) => this.fn.merge(x, y), m.acc, acc);
        if (merged !== SKIPPED) this.#merged(m, merged, acc);
      }
    };
    const spilled: number[] = [];
    for (const sliceEnd of this.#geometry.slicesOf(windowEnd)) {
      const slice = this.#slices.get(sliceEnd);
      if (slice?.cache) for (const [key, e] of slice.cache) add(key, e.acc);
      else if (slice) spilled.push(sliceEnd);
    }
    if (spilled.length > 0) {
      // A key group's spilled slices lie in one range of the layout: one scan per key group reads
      // them all, skipping the cached slices in between (their flushed copies are counted above).
      // What is read goes back on the heap if all of it fits in the budget, so that the slices'
      // later windows and records find it there instead of scanning again for each window
      // (restored slices, after a restart or a partition move, are all spilled).
      const read = new Map<number, Map<string, CachedEntry>>(spilled.map((end) => [end, new Map()]));
      let room = this.ctx.cacheEntries - this.#cached;
      const keyGroups = new Set(spilled.flatMap((end) => [...this.#slices.get(end)!.keyGroups]));
      const first = spilled[0]!;
      const last = spilled[spilled.length - 1]!;
      for (const kg of [...keyGroups].sort((x, y) => x - y)) {
        const range = { gte: stateKey(kg, this.#slicesTable).u64(first).finish(), lt: stateKey(kg, this.#slicesTable).u64(last + 1).finish() };
        for await (const [k, v] of this.ctx.backend.scan(range)) {
          const entries = read.get(Number(k.readBigUInt64BE(SLICE_END_OFFSET)));
          if (!entries) continue;
          const key = k.subarray(SLICE_KEY_PREFIX_BYTES).toString();
          const acc = JSON.parse(v.toString()) as unknown;
          if (room-- > 0) entries.set(key, { keyGroup: kg, acc, dirty: false, stored: true });
          add(key, acc);
        }
      }
      if (room >= 0) {
        for (const [sliceEnd, entries] of read) {
          this.#slices.get(sliceEnd)!.cache = entries;
          this.#cached += entries.size;
        }
      }
    }
    for (const [key, { acc }] of accs) {
      if (failed?.has(key)) continue;
      let value: unknown;
      try {
        value = this.fn.result(acc);
      } catch (e) {
        value = again(key, e, (x) => this.fn.result(x), acc);
        if (value === SKIPPED) continue;
      }
      const result: WindowResult<unknown> = { key, windowStart, windowEnd, value, early };
      // An early result belongs to this watermark step, a final one to its window's end.
      out.emit({ value: result, timestamp: early ? this.#watermark : windowEnd - 1, key });
    }
  }

  /** A merge's result is the fire's own unless `merge` handed back one of its arguments. */
  #merged(m: Merging, merged: unknown, from: unknown): void {
    m.own = merged !== m.acc && merged !== from;
    m.acc = merged;
  }

  #fireAgain<T>(key: string, windowStart: number, windowEnd: number, e: unknown, call: (a: unknown, b: unknown) => T, a: unknown, b: unknown): T | typeof SKIPPED {
    return this.ctx.userCode.recover(this.ctx.node, { value: { key, windowStart, windowEnd } }, e, () => call(a, b));
  }

  /** After a restore every slice is spilled: the backend holds them; new slices are cached again. */
  async restore(watermark: number): Promise<void> {
    this.#watermark = watermark;
    this.#slices.clear();
    this.#cached = 0;
    const { start, end } = this.ctx.keyGroups;
    for (let kg = start; kg <= end; kg += 1) {
      const prefix = stateKey(kg, this.#indexTable).finish();
      for await (const [k] of this.ctx.backend.scan(prefixRange(prefix))) {
        const sliceEnd = new KeyReader(k.subarray(prefix.length)).u64();
        let slice = this.#slices.get(sliceEnd);
        if (!slice) this.#slices.set(sliceEnd, (slice = { keyGroups: new Set(), cache: null, dirty: [] }));
        slice.keyGroups.add(kg);
      }
    }
  }
}
