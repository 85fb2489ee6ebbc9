/**
 * Keyed event-time session windows with incremental aggregation (Flink's EventTimeSessionWindows):
 * - a record at `ts` makes the window `[ts, ts + gap)`, which merges with every open session of its
 *   key that it intersects (`a.start <= b.end && a.end >= b.start`: records exactly `gap` apart are one
 *   session); the session becomes `[min start, max end)` and its accumulator the `merge` of theirs
 *   plus the record;
 * - a record is late when that merged window is already closed (watermark ≥ end − 1 + allowed
 *   lateness, as for the other windows): it goes to the `late` port and changes nothing;
 * - when the watermark closes a session, it fires once (one final result, at `end − 1`) and is
 *   deleted: a later record of its key starts a new session. A watermark's results come out ordered
 *   by window end, then key;
 * - a record whose `add` or `merge` keeps throwing is dead-lettered and changes nothing; a session
 *   whose `result` keeps throwing is dead-lettered as its key and window and is deleted all the same.
 * Early firing is not supported: a session's end is not known until it closes.
 *
 * State lives in the backend only: a batch reads and writes each distinct key's sessions once. On the
 * heap there is just, per key group, how many sessions it holds and a lower bound of their earliest
 * end, so a watermark scans only key groups that may have a session due; `restore` rebuilds it.
 *
 * State layout (two tables of this operator):
 *   sessions: [keyGroup][table][key]                 → JSON [[start, end, acc], …], by start
 *   index:    [keyGroup][table][end u64][key]        → empty (which sessions close when)
 */
import type { AggregateFunction } from '../aggregate/aggregate-function.js';
import type { WindowResult } from '../api/functions.js';
import { KeyReader, prefixRange, stateKey } from '../state/key-codec.js';
import type { KeyRange } from '../state/state-backend.js';
import type { WindowSpec } from '../windows/window-spec.js';
import type { Operator, OperatorContext, Output, StreamRecord } from './operator.js';
import { SKIPPED } from './user-code.js';

/** [keyGroup u16][table u8]: what precedes the end in an index entry. */
const INDEX_END_OFFSET = 3;

type Session = [start: number, end: number, acc: unknown];

interface KeySessions {
  keyGroup: number;
  sessions: Session[];
  /** Sessions stored before this batch or watermark, to keep the key group's count exact. */
  before: number;
  changed: boolean;
}

/** A key group's sessions, as far as the heap knows: their number and a bound no end is below. */
interface KeyGroupSessions {
  count: number;
  earliestEnd: number;
}

export class SessionWindowOperator implements Operator {
  readonly #gap: number;
  readonly #lateness: number;
  readonly #sessionsTable: number;
  readonly #indexTable: number;
  readonly #keyGroups = new Map<number, KeyGroupSessions>();
  #watermark = -Infinity;

  constructor(
    private readonly ctx: OperatorContext,
    config: { window: WindowSpec; allowedLatenessMs: number; earlyFiringMs: number | null },
    private readonly fn: AggregateFunction<unknown, unknown, unknown>,
  ) {
    if (config.window.kind !== 'session') throw new TypeError(`node '${ctx.node}': SessionWindowOperator runs session windows, not ${config.window.kind} ones`);
    if (config.earlyFiringMs !== null) throw new RangeError(`node '${ctx.node}': session windows have no early firing (earlyFiringMs ${config.earlyFiringMs})`);
    this.#gap = config.window.gap;
    this.#lateness = config.allowedLatenessMs;
    [this.#sessionsTable, this.#indexTable] = ctx.tables as [number, number];
  }

  #closed(windowEnd: number, watermark: number): boolean {
    return windowEnd - 1 + this.#lateness <= watermark;
  }

  async processBatch(records: readonly StreamRecord[], out: Output): Promise<void> {
    const keys = await this.#load(records.map((r) => [r.key!, r.keyGroup!] as const));
    // Index entries to put (true) or delete (false); the last change of an entry wins.
    const index = new Map<string, [Buffer, boolean]>();
    for (const r of records) {
      const s = keys.get(r.key!)!;
      let start = r.timestamp;
      let end = r.timestamp + this.#gap;
      const hits: Session[] = [];
      for (const x of s.sessions) {
        if (x[0] <= end && x[1] >= start) hits.push(x);
      }
      for (const [hitStart, hitEnd] of hits) {
        start = Math.min(start, hitStart);
        end = Math.max(end, hitEnd);
      }
      if (this.#closed(end, this.#watermark)) {
        out.emit({ value: r.value, timestamp: r.timestamp }, 'late');
        continue;
      }
      const acc = this.#merged(hits, r);
      if (acc === SKIPPED) continue;
      for (const [, hitEnd] of hits) this.#reindex(index, s.keyGroup, hitEnd, r.key!, false);
      this.#reindex(index, s.keyGroup, end, r.key!, true);
      s.sessions = s.sessions.filter((x) => !hits.includes(x));
      s.sessions.push([start, end, acc]);
      s.sessions.sort((a, b) => a[0] - b[0]);
      s.changed = true;
    }
    await this.#save(keys, index);
  }

  /**
   * The accumulator of the record's session: the sessions it bridges merged, in start order, with
   * the record added. A pure `add` runs on that accumulator; any other on a fresh one that is merged
   * in. `merge` does not modify its arguments, so a call that throws leaves every stored session as
   * it was; a record its function keeps throwing on is given up (SKIPPED).
   */
  #merged(hits: readonly Session[], r: StreamRecord): unknown {
    try {
      return this.#mergeAdd(hits, r.value);
    } catch (e) {
      return this.#mergeAddAgain(hits, r, e);
    }
  }

  // Its own method: a closure in #merged would cost every record a context allocation.
  #mergeAddAgain(hits: readonly Session[], r: StreamRecord, e: unknown): unknown {
    return this.ctx.userCode.recover(this.ctx.node, r, e, () => this.#mergeAdd(hits, r.value));
  }

  #mergeAdd(hits: readonly Session[], value: unknown): unknown {
    if (hits.length === 0) return this.fn.add(this.fn.create(), value);
    let acc = hits[0]![2];
    for (let i = 1; i < hits.length; i += 1) acc = this.fn.merge(acc, hits[i]![2]);
    return this.fn.pureAdd ? this.fn.add(acc, value) : this.fn.merge(acc, this.fn.add(this.fn.create(), value));
  }

  #reindex(index: Map<string, [Buffer, boolean]>, keyGroup: number, end: number, key: string, keep: boolean): void {
    const k = stateKey(keyGroup, this.#indexTable).u64(end).tail(key).finish();
    index.set(k.toString('latin1'), [k, keep]);
    if (!keep) return;
    const kg = this.#keyGroups.get(keyGroup);
    if (kg) kg.earliestEnd = Math.min(kg.earliestEnd, end);
    // A new key group starts at 0 sessions: #save counts them.
    else this.#keyGroups.set(keyGroup, { count: 0, earliestEnd: end });
  }

  #sessionsKey(keyGroup: number, key: string): Buffer {
    return stateKey(keyGroup, this.#sessionsTable).tail(key).finish();
  }

  /** The stored sessions of each distinct key: one read for all of them. */
  async #load(keys: readonly (readonly [string, number])[]): Promise<Map<string, KeySessions>> {
    const loaded = new Map<string, KeySessions>();
    for (const [key, keyGroup] of keys) if (!loaded.has(key)) loaded.set(key, { keyGroup, sessions: [], before: 0, changed: false });
    const entries = [...loaded];
    const stored = await this.ctx.backend.getMany(entries.map(([key, s]) => this.#sessionsKey(s.keyGroup, key)));
    entries.forEach(([, s], i) => {
      const raw = stored[i];
      if (raw === undefined) return;
      s.sessions = JSON.parse(raw.toString()) as Session[];
      s.before = s.sessions.length;
    });
    return loaded;
  }

  /** Writes the keys' changed sessions and the index changes in one batch, and counts them per key group. */
  async #save(keys: Map<string, KeySessions>, index: Map<string, [Buffer, boolean]>): Promise<void> {
    const puts: [Buffer, Buffer][] = [];
    const deletes: Buffer[] = [];
    for (const [key, s] of keys) {
      if (!s.changed) continue;
      const k = this.#sessionsKey(s.keyGroup, key);
      if (s.sessions.length === 0) deletes.push(k);
      else puts.push([k, Buffer.from(JSON.stringify(s.sessions))]);
      const kg = this.#keyGroups.get(s.keyGroup)!;
      kg.count += s.sessions.length - s.before;
      if (kg.count === 0) this.#keyGroups.delete(s.keyGroup);
    }
    for (const [k, keep] of index.values()) {
      if (keep) puts.push([k, Buffer.alloc(0)]);
      else deletes.push(k);
    }
    if (puts.length + deletes.length > 0) await this.ctx.backend.write({ puts, deletes });
  }

  async onWatermark(watermark: number, out: Output): Promise<void> {
    if (watermark <= this.#watermark) return;
    this.#watermark = watermark;
    // A session is due when its end ≤ bound (ends are integers; see #closed).
    const bound = Math.floor(watermark) + 1 - this.#lateness;
    const due: { end: number; key: string; keyGroup: number }[] = [];
    for (const [keyGroup, kg] of this.#keyGroups) {
      if (kg.earliestEnd > bound) continue;
      for await (const [k] of this.ctx.backend.scan(this.#dueRange(keyGroup, bound))) {
        const reader = new KeyReader(k.subarray(INDEX_END_OFFSET));
        const end = reader.u64();
        due.push({ end, key: reader.tail(), keyGroup });
      }
      // Every session of the key group ending at or before the bound is about to fire.
      kg.earliestEnd = bound + 1;
    }
    if (due.length === 0) return;
    due.sort((a, b) => a.end - b.end || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const keys = await this.#load(due.map((d) => [d.key, d.keyGroup] as const));
    const index = new Map<string, [Buffer, boolean]>();
    for (const { end, key, keyGroup } of due) {
      const s = keys.get(key)!;
      const i = s.sessions.findIndex((x) => x[1] === end);
      if (i < 0) throw new Error(`node '${this.ctx.node}': the session index names key '${key}' ending at ${end}, which has no such session stored`);
      const [start, , acc] = s.sessions[i]!;
      s.sessions.splice(i, 1);
      s.changed = true;
      this.#reindex(index, keyGroup, end, key, false);
      this.#emit(key, keyGroup, start, end, acc, out);
    }
    await this.#save(keys, index);
  }

  /** The index entries of a key group that end at or before `bound` (the whole table past safe integers). */
  #dueRange(keyGroup: number, bound: number): KeyRange {
    const table = stateKey(keyGroup, this.#indexTable).finish();
    if (!(bound + 1 <= Number.MAX_SAFE_INTEGER)) return prefixRange(table);
    return { gte: table, lt: stateKey(keyGroup, this.#indexTable).u64(bound + 1).finish() };
  }

  #emit(key: string, keyGroup: number, windowStart: number, windowEnd: number, acc: unknown, out: Output): void {
    let value: unknown;
    try {
      value = this.fn.result(acc);
    } catch (e) {
      value = this.#resultAgain(key, windowStart, windowEnd, acc, e);
      if (value === SKIPPED) return;
    }
    const result: WindowResult<unknown> = { key, windowStart, windowEnd, value, early: false };
    out.emit({ value: result, timestamp: windowEnd - 1, key, keyGroup });
  }

  /** A session whose result keeps throwing is dead-lettered as what fired: its key and window. */
  #resultAgain(key: string, windowStart: number, windowEnd: number, acc: unknown, e: unknown): unknown {
    return this.ctx.userCode.recover(this.ctx.node, { value: { key, windowStart, windowEnd } }, e, () => this.fn.result(acc));
  }

  /** Counts the restored sessions of each key group this instance owns, and finds their earliest end. */
  async restore(watermark: number): Promise<void> {
    this.#watermark = watermark;
    this.#keyGroups.clear();
    for (let keyGroup = this.ctx.keyGroups.start; keyGroup <= this.ctx.keyGroups.end; keyGroup += 1) {
      let kg: KeyGroupSessions | undefined;
      for await (const [k] of this.ctx.backend.scan(prefixRange(stateKey(keyGroup, this.#indexTable).finish()))) {
        if (kg) kg.count += 1;
        // Index entries come in end order: the first has the earliest end.
        else this.#keyGroups.set(keyGroup, (kg = { count: 1, earliestEnd: new KeyReader(k.subarray(INDEX_END_OFFSET)).u64() }));
      }
    }
  }
}
