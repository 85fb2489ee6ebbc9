/**
 * The operator contract: one required method, `processBatch`; the rest are optional hooks. Records
 * move in batches so that state is read and written once per distinct key per batch.
 */
import type { Port } from '../graph/job-graph.js';
import type { OperatorMeter } from '../metrics/member-metrics.js';
import type { StateBackend } from '../state/state-backend.js';
import type { UserCode } from './user-code.js';

/**
 * The input record a stream record came from, for its dead letter should a function throw on it.
 * Always a record of the task's own input partition, so topic and partition are the task's; the
 * source's records have this shape already and are passed as they are (nothing is copied).
 */
export interface RecordOrigin {
  offset: string;
  /** Kafka timestamp, epoch ms. */
  timestamp: number;
  key: Buffer | null;
  /** The value's original bytes. */
  raw: Buffer | null;
  headers: Record<string, string | Buffer>;
}

/**
 * A value with its event time; keyed records also carry their key and key group. Records that are
 * still one input record each (through map, filter, flatMap, keyBy and process) carry its origin.
 */
export interface StreamRecord<T = unknown> {
  value: T;
  timestamp: number;
  key?: string;
  keyGroup?: number;
  origin?: RecordOrigin;
}

/** Where an operator emits. Emitted records go downstream after the current call returns. */
export interface Output {
  emit(record: StreamRecord, port?: Port): void;
}

/** What the runtime gives an operator. */
export interface OperatorContext {
  /** The node this operator instance runs (names it in dead letters and metrics). */
  node: string;
  /** Where a user function that throws is retried and, failing that, dead-lettered (user-code.ts). */
  userCode: UserCode;
  /** At most this many top-K groups per window (`--max-groups`); see top-k-local.ts. */
  maxGroups: number;
  /** Where operators count what they leave out (metrics); absent where nothing is measured. */
  meter?: OperatorMeter;
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
  /**
   * Processing time advanced to `nowMs`: fire processing-time timers that are due (`process(...)`
   * also deletes state whose TTL passed). `Infinity`: the bounded input ended. Every timer pending at
   * that moment fires once, in time order, with its own time; timers those firings register stay
   * pending, and no state expires (a later run continues from it). `ctx.now()` must stay finite
   * meanwhile: it stamps state writes.
   */
  onProcessingTime?(nowMs: number, out: Output): Promise<void> | void;
  /** Writes what the operator keeps on the heap to its backend; the runtime calls it before every commit. */
  flush?(): Promise<void> | void;
  /** Rebuilds in-memory indexes after state was restored into the backend; `watermark` is the restored clock. */
  restore?(watermark: number): Promise<void>;
}
