/**
 * The user functions of a built job, by node id. They stay in the thread that built the job; the
 * graph (plain data) is what travels.
 */
import type { AggregateFunction } from '../aggregate/aggregate-function.js';
import type { Serde } from './serde.js';
import type { KeyedProcessFunction } from './process-function.js';

/** A record written by a sink: key and value bytes (or strings). */
export interface EncodedRecord {
  key: string | Buffer | null;
  value: string | Buffer;
}

/** One key's aggregate for one window. */
export interface WindowResult<R> {
  key: string;
  windowStart: number;
  windowEnd: number;
  value: R;
  /** A provisional result of a window that is still open (early firing); the final one follows. */
  early: boolean;
}

/** One ranked entry of a top-K result; ranks start at 1. */
export interface RankedEntry<R> {
  rank: number;
  key: string;
  score: number;
  value: R;
}

/** The top-K of one window (and group, when grouped). */
export interface TopKResult<R> {
  windowStart: number;
  windowEnd: number;
  group: string;
  entries: RankedEntry<R>[];
  /** Ranked from early (provisional) window results; the final ranking follows. */
  early: boolean;
}

/* eslint-disable @typescript-eslint/no-explicit-any -- the table is heterogeneous; the typed API guards each entry */
export type NodeFunctions =
  | { kind: 'source'; serde: Serde<any>; timestamp: (value: any) => number }
  | { kind: 'map'; fn: (value: any) => any }
  | { kind: 'filter'; fn: (value: any) => boolean }
  | { kind: 'flatMap'; fn: (value: any) => Iterable<any> }
  | { kind: 'keyBy'; fn: (value: any) => string }
  | { kind: 'window'; aggregate: AggregateFunction<any, any, any> }
  | { kind: 'topK'; score: (value: any) => number; groups: (result: WindowResult<any>) => readonly string[] }
  | { kind: 'process'; fn: KeyedProcessFunction<any, any, any> }
  | { kind: 'sink'; encode: (value: any) => EncodedRecord };
/* eslint-enable @typescript-eslint/no-explicit-any */

export type FunctionTable = ReadonlyMap<string, NodeFunctions>;
