/**
 * `process(...)`: a keyed function with state and timers, for what the built-in operators do not cover
 * (Flink's `KeyedProcessFunction`). State is declared up front so the runtime can load it for a whole
 * batch of records at once; inside the function, state access is synchronous and scoped to the key.
 */

/** Declares a piece of keyed state. `ttlMs`: entries not written for that long read as absent. */
export type StateDescriptor =
  | { kind: 'value'; ttlMs?: number }
  | { kind: 'map'; ttlMs?: number }
  | { kind: 'list'; ttlMs?: number }
  | { kind: 'reducing'; ttlMs?: number; reduce: (a: unknown, b: unknown) => unknown };

/** A single value per key. */
export interface ValueState<T> {
  get(): T | undefined;
  set(value: T): void;
  clear(): void;
}

/** A map per key (string map keys). */
export interface MapState<V> {
  get(mapKey: string): V | undefined;
  set(mapKey: string, value: V): void;
  delete(mapKey: string): void;
  has(mapKey: string): boolean;
  entries(): [string, V][];
  clear(): void;
}

/** A list per key. */
export interface ListState<T> {
  get(): readonly T[];
  add(value: T): void;
  update(values: readonly T[]): void;
  clear(): void;
}

/** A value per key folded with a reduce function. */
export interface ReducingState<T> {
  get(): T | undefined;
  add(value: T): void;
  clear(): void;
}

declare const valueType: unique symbol;
/** A state descriptor that remembers its value type. */
export type Typed<D extends StateDescriptor, T> = D & { readonly [valueType]?: T };

/** @example state: { total: valueState<number>() } */
export const valueState = <T>(opts: { ttlMs?: number } = {}): Typed<{ kind: 'value'; ttlMs?: number }, ValueState<T>> => ({ kind: 'value', ...opts });
/** @example state: { perDevice: mapState<number>() } */
export const mapState = <V>(opts: { ttlMs?: number } = {}): Typed<{ kind: 'map'; ttlMs?: number }, MapState<V>> => ({ kind: 'map', ...opts });
/** @example state: { recent: listState<string>({ ttlMs: 3_600_000 }) } */
export const listState = <T>(opts: { ttlMs?: number } = {}): Typed<{ kind: 'list'; ttlMs?: number }, ListState<T>> => ({ kind: 'list', ...opts });
/** @example state: { max: reducingState<number>((a, b) => Math.max(a, b)) } */
export const reducingState = <T>(reduce: (a: T, b: T) => T, opts: { ttlMs?: number } = {}): Typed<StateDescriptor & { kind: 'reducing' }, ReducingState<T>> => ({
  kind: 'reducing',
  reduce: reduce as (a: unknown, b: unknown) => unknown,
  ...opts,
});

export type StateDescriptors = Record<string, StateDescriptor>;
/** The handles a function sees for its declared state. */
export type StateHandles<S extends StateDescriptors> = { [K in keyof S]: S[K] extends Typed<StateDescriptor, infer H> ? H : never };

/** Timers of the current key; one timer per (key, time), re-registering is a no-op. */
export interface TimerService {
  /**
   * Fires when the watermark passes `timestamp`. When a bounded input ends (the watermark goes to
   * +∞), every pending event-time timer fires then, once, in time order; those it registers do not.
   */
  registerEventTimeTimer(timestamp: number): void;
  /**
   * Fires when processing time (epoch ms) reaches `timestamp`. When a bounded input ends, every
   * pending processing-time timer fires then, once, in time order; those it registers do not fire.
   */
  registerProcessingTimeTimer(timestamp: number): void;
  deleteEventTimeTimer(timestamp: number): void;
  deleteProcessingTimeTimer(timestamp: number): void;
  /**
   * Processing time now (epoch ms), as timers see it: the runner moves it with the wall clock before
   * each batch and on an idle tick; the test harness moves it by hand.
   *
   * @example ctx.timers.registerProcessingTimeTimer(ctx.timers.currentProcessingTime() + 60_000)
   */
  currentProcessingTime(): number;
}

export interface ProcessContext<S extends StateDescriptors> {
  key: string;
  /** Event time of the record (or of the timer being fired). */
  timestamp: number;
  watermark: number;
  state: StateHandles<S>;
  timers: TimerService;
}

/**
 * @example
 * keyed.process('running-total', {
 *   state: { total: valueState<number>() },
 *   processElement(e, ctx, out) {
 *     const t = (ctx.state.total.get() ?? 0) + e.watchSeconds;
 *     ctx.state.total.set(t);
 *     out({ contentId: ctx.key, total: t });
 *   },
 * });
 */
export interface KeyedProcessFunction<IN, OUT, S extends StateDescriptors> {
  state: S;
  processElement(value: IN, ctx: ProcessContext<S>, out: (value: OUT) => void): void;
  /**
   * A timer of `ctx.key` fired; `timestamp` (also `ctx.timestamp`) is the time it was registered for.
   * At the end of a bounded input, every pending processing-time timer fires once, in time order, even
   * before its time; timers registered from those calls stay pending for a later run.
   */
  onTimer?(timestamp: number, domain: 'event-time' | 'processing-time', ctx: ProcessContext<S>, out: (value: OUT) => void): void;
}
