/**
 * `process(...)`: a user function with keyed state and timers. Before a batch runs, the state of every
 * distinct key in it is loaded with one `getMany`; the function then reads and writes synchronously,
 * and what changed is written back in one batch.
 *
 * State layout (four tables of this operator):
 *   values:           [keyGroup][table][state index u8][key]              → JSON {v, t} (t = last write, for TTL)
 *   event timers:     [keyGroup][table][time u64][key]                    → empty
 *   processing timers:[keyGroup][table][time u64][key]                    → empty
 *   expiries:         [keyGroup][table][expiry u64][state index u8][key]  → empty (one per write of a TTL slot)
 *
 * A TTL'd value is deleted once processing time passes its expiry. A rewrite leaves its older expiry
 * entry behind: that entry only deletes the value if the value's own `t` has expired too.
 */
import type {
  KeyedProcessFunction, ListState, MapState, ProcessContext, ReducingState, StateDescriptor, StateDescriptors, TimerService, ValueState,
} from '../api/process-function.js';
import { KeyReader, stateKey } from '../state/key-codec.js';
import type { Operator, OperatorContext, Output, StreamRecord } from './operator.js';
import { SKIPPED } from './user-code.js';

type Domain = 'event-time' | 'processing-time';
/** Expiry entries handled per scan and write, so a long pause does not load all expired state at once. */
const EXPIRE_CHUNK = 10_000;
const EMPTY = Buffer.alloc(0);
interface Slot {
  value: unknown;
  writtenAt: number;
  dirty: boolean;
}
interface KeyState {
  keyGroup: number;
  slots: (Slot | undefined)[];
}

export class KeyedProcessOperator implements Operator {
  readonly #names: string[];
  readonly #descriptors: StateDescriptor[];
  readonly #values: number;
  readonly #timerTables: Record<Domain, number>;
  readonly #expiries: number;
  #watermark = -Infinity;

  constructor(
    private readonly ctx: OperatorContext,
    config: { states: string[] },
    private readonly fn: KeyedProcessFunction<unknown, unknown, StateDescriptors>,
  ) {
    this.#names = config.states;
    this.#descriptors = config.states.map((n) => fn.state[n]!);
    const [values, eventTimers, processingTimers, expiries] = ctx.tables as [number, number, number, number];
    this.#values = values;
    this.#timerTables = { 'event-time': eventTimers, 'processing-time': processingTimers };
    this.#expiries = expiries;
  }

  async processBatch(records: readonly StreamRecord[], out: Output): Promise<void> {
    const cache = await this.#load(records.map((r) => [r.key!, r.keyGroup!] as const));
    const timers: [Buffer, boolean][] = [];
    for (const r of records) {
      const s = cache.get(r.key!)!;
      const ctx = this.#context(r.key!, s, r.timestamp, timers);
      const emitted = this.#guarded(r, s, timers, (emit) => this.fn.processElement(r.value, ctx, emit));
      if (emitted) for (const value of emitted) out.emit({ value, timestamp: r.timestamp, origin: r.origin });
    }
    await this.#save(cache, timers);
  }

  /**
   * Runs one call of the user's function; what it emits is held until it returns. When it throws,
   * each retry (and, in the end, a dead-lettered record) first undoes the failed call: the key's
   * state slots and the timers it registered go back to what they were. Undefined: given up.
   */
  #guarded(record: { value: unknown; origin?: StreamRecord['origin'] }, s: KeyState, timers: [Buffer, boolean][], call: (emit: (v: unknown) => void) => void): unknown[] | undefined {
    const slots = s.slots.slice();
    const timerCount = timers.length;
    let emitted: unknown[] = [];
    const attempt = (): unknown[] => {
      s.slots = slots.slice();
      timers.length = timerCount;
      emitted = [];
      call((v) => emitted.push(v));
      return emitted;
    };
    try {
      call((v) => emitted.push(v));
      return emitted;
    } catch (e) {
      const result = this.ctx.userCode.recover(this.ctx.node, record, e, attempt);
      if (result !== SKIPPED) return result;
      s.slots = slots;
      timers.length = timerCount;
      return undefined;
    }
  }

  /** At +∞ (the input ended) pending event-time timers fire once, as processing-time ones do. */
  async onWatermark(watermark: number, out: Output): Promise<void> {
    this.#watermark = watermark;
    await this.#fireTimers('event-time', watermark, out, watermark === Infinity);
  }

  /** `Infinity`: the input ended; pending timers fire once and state is left as it is (operator.ts). */
  async onProcessingTime(nowMs: number, out: Output): Promise<void> {
    if (nowMs === Infinity) return this.#fireTimers('processing-time', nowMs, out, true);
    await this.#expire(nowMs);
    await this.#fireTimers('processing-time', nowMs, out, false);
  }

  async restore(watermark: number): Promise<void> {
    this.#watermark = watermark;
  }

  /**
   * Fires due timers in time order; timers that firing registers (and that are due) fire too, unless
   * `once`: then only those due on entry fire, so a timer that re-registers itself cannot loop.
   */
  async #fireTimers(domain: Domain, upTo: number, out: Output, once: boolean): Promise<void> {
    const table = this.#timerTables[domain];
    for (;;) {
      const due: { time: number; key: string; keyGroup: number; stored: Buffer }[] = [];
      for (let kg = this.ctx.keyGroups.start; kg <= this.ctx.keyGroups.end; kg += 1) {
        const lt = upTo === Infinity ? stateKey(kg, table + 1).finish() : stateKey(kg, table).u64(Math.max(0, Math.floor(upTo) + 1)).finish();
        for await (const [k] of this.ctx.backend.scan({ gte: stateKey(kg, table).finish(), lt })) {
          const reader = new KeyReader(k.subarray(3));
          const time = reader.u64();
          due.push({ time, key: reader.tail(), keyGroup: kg, stored: k });
        }
      }
      if (due.length === 0) return;
      due.sort((a, b) => a.time - b.time || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
      const cache = await this.#load(due.map((d) => [d.key, d.keyGroup] as const));
      const timers: [Buffer, boolean][] = [];
      for (const d of due) {
        // Deleted as it fires, not before: an earlier firing that registered it again was a no-op.
        timers.push([d.stored, false]);
        const s = cache.get(d.key)!;
        const ctx = this.#context(d.key, s, d.time, timers);
        const onTimer = this.fn.onTimer;
        if (!onTimer) continue;
        // A timer that keeps failing is dead-lettered as what fired: its key, time and domain.
        const emitted = this.#guarded({ value: { key: d.key, timer: d.time, domain } }, s, timers, (emit) => onTimer.call(this.fn, d.time, domain, ctx, emit));
        if (emitted) for (const value of emitted) out.emit({ value, timestamp: d.time });
      }
      await this.#save(cache, timers);
      if (once) return;
    }
  }

  /** Deletes TTL'd values that expired by `nowMs` (same rule as reads), and their expiry entries. */
  async #expire(nowMs: number): Promise<void> {
    const upTo = Math.max(0, Math.floor(nowMs) + 1);
    for (let kg = this.ctx.keyGroups.start; kg <= this.ctx.keyGroups.end; ) {
      const deletes: Buffer[] = [];
      const valueKeys: Buffer[] = [];
      const ttls: (number | undefined)[] = [];
      // Handled entries are deleted, so a full chunk rescans the same key group from its start.
      chunk: for (; kg <= this.ctx.keyGroups.end; kg += 1) {
        for await (const [k] of this.ctx.backend.scan({ gte: stateKey(kg, this.#expiries).finish(), lt: stateKey(kg, this.#expiries).u64(upTo).finish() })) {
          const reader = new KeyReader(k.subarray(3));
          reader.u64();
          const i = reader.u8();
          deletes.push(k);
          valueKeys.push(this.#valueKey(kg, i, reader.tail()));
          ttls.push(this.#descriptors[i]?.ttlMs);
          if (deletes.length === EXPIRE_CHUNK) break chunk;
        }
      }
      if (deletes.length === 0) return;
      const stored = await this.ctx.backend.getMany(valueKeys);
      stored.forEach((raw, j) => {
        const ttl = ttls[j];
        if (raw === undefined || ttl === undefined) return;
        const { t } = JSON.parse(raw.toString()) as { t: number };
        if (nowMs - t >= ttl) deletes.push(valueKeys[j]!);
      });
      await this.ctx.backend.write({ puts: [], deletes });
    }
  }

  async #load(keys: readonly (readonly [string, number])[]): Promise<Map<string, KeyState>> {
    const cache = new Map<string, KeyState>();
    for (const [key, keyGroup] of keys) if (!cache.has(key)) cache.set(key, { keyGroup, slots: [] });
    const entries = [...cache];
    const lookups = entries.flatMap(([key, s]) => this.#names.map((_, i) => this.#valueKey(s.keyGroup, i, key)));
    const stored = await this.ctx.backend.getMany(lookups);
    const now = this.ctx.now();
    entries.forEach(([, s], e) => {
      this.#descriptors.forEach((d, i) => {
        const raw = stored[e * this.#names.length + i];
        if (raw === undefined) return;
        const { v, t } = JSON.parse(raw.toString()) as { v: unknown; t: number };
        if (d.ttlMs !== undefined && now - t >= d.ttlMs) return; // expired: reads as absent
        s.slots[i] = { value: v, writtenAt: t, dirty: false };
      });
    });
    return cache;
  }

  async #save(cache: Map<string, KeyState>, timers: readonly [Buffer, boolean][]): Promise<void> {
    const puts: [Buffer, Buffer][] = [];
    const deletes: Buffer[] = [];
    for (const [key, s] of cache) {
      s.slots.forEach((slot, i) => {
        if (!slot?.dirty) return;
        const k = this.#valueKey(s.keyGroup, i, key);
        if (slot.value === undefined) {
          deletes.push(k);
          return;
        }
        puts.push([k, Buffer.from(JSON.stringify({ v: slot.value, t: slot.writtenAt }))]);
        const expiry = this.#expiryOf(i, slot.writtenAt);
        if (expiry !== undefined) puts.push([stateKey(s.keyGroup, this.#expiries).u64(expiry).u8(i).tail(key).finish(), EMPTY]);
      });
    }
    // The last registration or deletion of a timer wins.
    const last = new Map<string, [Buffer, boolean]>();
    for (const t of timers) last.set(t[0].toString('latin1'), t);
    for (const [k, keep] of last.values()) {
      if (keep) puts.push([k, EMPTY]);
      else deletes.push(k);
    }
    if (puts.length + deletes.length > 0) await this.ctx.backend.write({ puts, deletes });
  }

  /** When a value of slot `i` written at `writtenAt` expires; undefined: never (no TTL, or an infinite one). */
  #expiryOf(i: number, writtenAt: number): number | undefined {
    const ttl = this.#descriptors[i]!.ttlMs;
    if (ttl === undefined || !Number.isFinite(ttl)) return undefined;
    return Math.max(0, Math.ceil(writtenAt + ttl));
  }

  #valueKey(keyGroup: number, stateIndex: number, key: string): Buffer {
    return stateKey(keyGroup, this.#values).u8(stateIndex).tail(key).finish();
  }

  #context(key: string, s: KeyState, timestamp: number, timers: [Buffer, boolean][]): ProcessContext<StateDescriptors> {
    const now = this.ctx.now();
    const read = (i: number): unknown => s.slots[i]?.value;
    const write = (i: number, value: unknown): void => {
      s.slots[i] = { value, writtenAt: now, dirty: true };
    };
    const state: Record<string, unknown> = {};
    this.#descriptors.forEach((d, i) => {
      state[this.#names[i]!] = handle(d, () => read(i), (v) => write(i, v));
    });
    const timer = (domain: Domain, time: number, keep: boolean): void => {
      timers.push([stateKey(s.keyGroup, this.#timerTables[domain]).u64(Math.max(0, Math.floor(time))).tail(key).finish(), keep]);
    };
    const timerService: TimerService = {
      registerEventTimeTimer: (t) => timer('event-time', t, true),
      registerProcessingTimeTimer: (t) => timer('processing-time', t, true),
      deleteEventTimeTimer: (t) => timer('event-time', t, false),
      deleteProcessingTimeTimer: (t) => timer('processing-time', t, false),
      currentProcessingTime: () => now,
    };
    return { key, timestamp, watermark: this.#watermark, state: state as ProcessContext<StateDescriptors>['state'], timers: timerService };
  }
}

/** A state handle over one slot; values are copied on write so later mutation of the argument is harmless. */
function handle(d: StateDescriptor, read: () => unknown, write: (v: unknown) => void): unknown {
  switch (d.kind) {
    case 'value':
      return { get: () => read(), set: (v: unknown) => write(v), clear: () => write(undefined) } satisfies ValueState<unknown>;
    case 'reducing':
      return {
        get: () => read(),
        add: (v: unknown) => write(read() === undefined ? v : d.reduce(read(), v)),
        clear: () => write(undefined),
      } satisfies ReducingState<unknown>;
    case 'list':
      return {
        get: () => (read() as unknown[] | undefined) ?? [],
        add: (v: unknown) => write([...((read() as unknown[] | undefined) ?? []), v]),
        update: (vs: readonly unknown[]) => write(vs.length === 0 ? undefined : [...vs]),
        clear: () => write(undefined),
      } satisfies ListState<unknown>;
    case 'map': {
      const m = (): Record<string, unknown> => (read() as Record<string, unknown> | undefined) ?? {};
      return {
        get: (k: string) => m()[k],
        set: (k: string, v: unknown) => write({ ...m(), [k]: v }),
        delete: (k: string) => {
          const { [k]: _, ...rest } = m();
          write(Object.keys(rest).length === 0 ? undefined : rest);
        },
        has: (k: string) => k in m(),
        entries: () => Object.entries(m()),
        clear: () => write(undefined),
      } satisfies MapState<unknown>;
    }
  }
}

