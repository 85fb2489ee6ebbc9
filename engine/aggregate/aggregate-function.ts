/**
 * Incremental aggregation: the accumulator is updated per record and merged across slices, so a
 * window never keeps its records. Accumulators must be JSON values: they are stored in keyed state.
 */

/**
 * A user aggregate function (Flink's `AggregateFunction`). `add` may update `acc` in place and return
 * it; `merge` must not modify its arguments (window operators merge cached slice accumulators).
 */
export interface AggregateFunction<IN, ACC, OUT> {
  create(): ACC;
  add(acc: ACC, value: IN): ACC;
  merge(a: ACC, b: ACC): ACC;
  result(acc: ACC): OUT;
  /**
   * `add` never modifies `acc` (it returns a new value). Then a window adds each record to its
   * accumulator directly; otherwise to a fresh one that it merges in, so that an `add` that throws
   * halfway through an in-place update cannot leave half of it behind. Every built-in sets it.
   */
  readonly pureAdd?: boolean;
  /**
   * Optional: merges `from` into `into` in place (never modifying `from`), and leaves `into` as it
   * was when it throws. A window fire that merges a key's slices into an accumulator of its own uses
   * it instead of `merge`, which would allocate a new accumulator per slice. `aggregates` has it.
   */
  mergeInto?(into: ACC, from: ACC): void;
}

/**
 * Number of records.
 *
 * @example
 * keyed.window('w', tumbling(60_000)).aggregate('views', count())
 */
export function count<IN>(): AggregateFunction<IN, number, number> {
  return { create: () => 0, add: (a) => a + 1, merge: (a, b) => a + b, result: (a) => a, pureAdd: true };
}

/**
 * Sum of a numeric field.
 *
 * @example
 * aggregate('watch', sum((e: WatchEvent) => e.watchSeconds))
 */
export function sum<IN>(field: (v: IN) => number): AggregateFunction<IN, number, number> {
  return { create: () => 0, add: (a, v) => a + field(v), merge: (a, b) => a + b, result: (a) => a, pureAdd: true };
}

/** Smallest value of a numeric field (`null` for an empty window, which never fires). */
export function min<IN>(field: (v: IN) => number): AggregateFunction<IN, number | null, number | null> {
  const pick = (a: number | null, b: number | null): number | null => (a === null ? b : b === null ? a : Math.min(a, b));
  return { create: () => null, add: (a, v) => pick(a, field(v)), merge: pick, result: (a) => a, pureAdd: true };
}

/** Largest value of a numeric field. */
export function max<IN>(field: (v: IN) => number): AggregateFunction<IN, number | null, number | null> {
  const pick = (a: number | null, b: number | null): number | null => (a === null ? b : b === null ? a : Math.max(a, b));
  return { create: () => null, add: (a, v) => pick(a, field(v)), merge: pick, result: (a) => a, pureAdd: true };
}

/** Mean of a numeric field. */
export function avg<IN>(field: (v: IN) => number): AggregateFunction<IN, [number, number], number> {
  return {
    create: () => [0, 0],
    add: ([s, n], v) => [s + field(v), n + 1],
    merge: ([s1, n1], [s2, n2]) => [s1 + s2, n1 + n2],
    result: ([s, n]) => (n === 0 ? 0 : s / n),
    pureAdd: true,
  };
}

/**
 * The value of a field in one of the window's records: for attributes that are the same in every
 * record of a key, such as a content id's category. Which record is unspecified when they differ.
 *
 * @example
 * aggregates({ views: count<WatchEvent>(), category: attribute((e: WatchEvent) => e.category) })
 */
export function attribute<IN, V>(field: (v: IN) => V): AggregateFunction<IN, V | null, V | null> {
  return {
    create: () => null,
    add: (a, v) => (a === null ? field(v) : a),
    merge: (a, b) => (a === null ? b : a),
    result: (a) => a,
    pureAdd: true,
  };
}

type AccOf<F> = F extends AggregateFunction<infer _I, infer A, infer _O> ? A : never;
type OutOf<F> = F extends AggregateFunction<infer _I, infer _A, infer O> ? O : never;

/**
 * Several aggregates at once, as an object of results.
 *
 * @example
 * aggregate('stats', aggregates({ views: count<WatchEvent>(), watchSeconds: sum((e: WatchEvent) => e.watchSeconds) }))
 * // result: { views: number, watchSeconds: number }
 */
export function aggregates<IN, const F extends Record<string, AggregateFunction<IN, unknown, unknown>>>(
  fields: F,
): AggregateFunction<IN, { [K in keyof F]: AccOf<F[K]> }, { [K in keyof F]: OutOf<F[K]> }> {
  const names = Object.keys(fields) as (keyof F & string)[];
  const fns = names.map((n) => fields[n]!);
  type Acc = { [K in keyof F]: AccOf<F[K]> };
  type Out = { [K in keyof F]: OutOf<F[K]> };
  // Plain loops over arrays: these run once per record (add) or per slice and key (merge); a
  // callback per field allocated a closure per call.
  const scratch: unknown[] = new Array(names.length);
  return {
    create: () => {
      const out: Record<string, unknown> = {};
      for (let i = 0; i < names.length; i += 1) out[names[i]!] = fns[i]!.create();
      return out as Acc;
    },
    add: (acc, v) => {
      const out: Record<string, unknown> = {};
      for (let i = 0; i < names.length; i += 1) out[names[i]!] = fns[i]!.add(acc[names[i]!], v);
      return out as Acc;
    },
    merge: (a, b) => {
      const out: Record<string, unknown> = {};
      for (let i = 0; i < names.length; i += 1) out[names[i]!] = fns[i]!.merge(a[names[i]!], b[names[i]!]);
      return out as Acc;
    },
    mergeInto: (into, from) => {
      // Every field merged before any is written: a field that throws leaves `into` as it was.
      for (let i = 0; i < names.length; i += 1) scratch[i] = fns[i]!.merge(into[names[i]!], from[names[i]!]);
      const target = into as Record<string, unknown>;
      for (let i = 0; i < names.length; i += 1) target[names[i]!] = scratch[i];
    },
    result: (acc) => {
      const out: Record<string, unknown> = {};
      for (let i = 0; i < names.length; i += 1) out[names[i]!] = fns[i]!.result(acc[names[i]!]);
      return out as Out;
    },
    // A new object per add; pure when every field's add is.
    pureAdd: fns.every((fn) => fn.pureAdd === true),
  };
}
