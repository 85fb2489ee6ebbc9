/**
 * The operator contract: one required method, `processBatch`; the rest are optional hooks. Records
 * move in batches so that state is read and written once per distinct key per batch.
 */
import type { Port } from '../graph/job-graph.js';
import type { StateBackend } from '../state/state-backend.js';

/** A value with its event time; keyed records also carry their key and key group. */
export interface StreamRecord<T = unknown> {
  value: T;
  timestamp: number;
  key?: string;
  keyGroup?: number;
}

/** Where an operator emits. Emitted records go downstream after the current call returns. */
export interface Output {
  emit(record: StreamRecord, port?: Port): void;
}

/** What the runtime gives a stateful operator. */
export interface OperatorContext {
  backend: StateBackend;
  /** Table ids reserved for this operator in the key layout (see state/key-codec.ts). */
  tables: readonly number[];
  /** Key groups this instance owns (inclusive). */
  keyGroups: { start: number; end: number };
  maxParallelism: number;
  /** State entries the operator may also keep on the heap, in front of its backend (0: none). */
  cacheEntries: number;
  /** Processing time (epoch ms); the test harness controls it. */
  now: () => number;
}

export interface Operator {
  processBatch(records: readonly StreamRecord[], out: Output): Promise<void> | void;
  /** The event-time clock passed `watermark`: fire what is complete. Called with increasing values. */
  onWatermark?(watermark: number, out: Output): Promise<void> | void;
  /** Processing time advanced to `nowMs`: fire processing-time timers. */
  onProcessingTime?(nowMs: number, out: Output): Promise<void> | void;
  /** Writes what the operator keeps on the heap to its backend; the runtime calls it before every commit. */
  flush?(): Promise<void> | void;
  /** Rebuilds in-memory indexes after state was restored into the backend; `watermark` is the restored clock. */
  restore?(watermark: number): Promise<void>;
}
