/**
 * The narrow waist between operators and storage. Operators batch their state access (one read and
 * one write per distinct key and window per batch), so the interface is batched too: `getMany`,
 * atomic `write`, ordered `scan`. RocksDB and in-memory backends implement it and pass one suite.
 */

/** Half-open byte range `[gte, lt)` in bytewise order. */
export interface KeyRange {
  gte: Buffer;
  lt: Buffer;
}

/** Puts and deletes applied atomically, deletes after puts when a key appears in both. */
export interface WriteBatch {
  puts: readonly (readonly [Buffer, Buffer])[];
  deletes: readonly Buffer[];
}

/** What a backend reports about itself (exported as metrics). */
export interface StateUsage {
  /** Approximate bytes of keys and values stored. */
  storedBytes: number;
  /** Memory the backend uses now (memtables, caches, or the data itself for the memory backend). */
  memoryBytes: number;
  /** The memory budget it was opened with. */
  memoryBudgetBytes: number;
}

export interface StateBackend {
  readonly kind: 'memory' | 'rocksdb';
  /** Values of the keys, in order; `undefined` where a key is absent. */
  getMany(keys: readonly Buffer[]): Promise<(Buffer | undefined)[]>;
  /** Applies the batch atomically. */
  write(batch: WriteBatch): Promise<void>;
  /** Entries in `[gte, lt)`, ascending bytewise. Writes made during the scan may or may not be seen. */
  scan(range: KeyRange): AsyncIterable<readonly [Buffer, Buffer]>;
  /** Deletes every key in `[gte, lt)`. */
  deleteRange(range: KeyRange): Promise<void>;
  usage(): Promise<StateUsage>;
  close(): Promise<void>;
}

/** Options every backend takes. */
export interface StateBackendOptions {
  /** Memory budget in bytes (RocksDB: block cache + write buffers). Default 64 MiB. */
  memoryBudgetBytes?: number;
}

export const DEFAULT_MEMORY_BUDGET_BYTES = 64 * 1024 * 1024;
