/**
 * RocksDB state (Level's `rocksdb` binding): the default backend. Batched reads (`getMany`), atomic
 * write batches, ordered iterators for key-group scans. The memory budget goes to the block cache,
 * less a small write buffer.
 */
import { mkdirSync } from 'node:fs';
import RocksDB from 'rocksdb';
import { DEFAULT_MEMORY_BUDGET_BYTES, type KeyRange, type StateBackend, type StateBackendOptions, type StateUsage, type WriteBatch } from './state-backend.js';

type RocksHandle = ReturnType<typeof RocksDB>;

function call<T>(fn: (cb: (err: Error | undefined | null, value?: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => fn((err, value) => (err ? reject(err) : resolve(value as T))));
}

/** The smallest key after every 3-byte-prefixed state key: the end of the whole key space. */
const KEY_SPACE_END = Buffer.from([0xff, 0xff, 0xff, 0xff]);
const WRITE_BUFFER_BYTES = 4 << 20;

/**
 * @example
 * const state = await RocksDbStateBackend.open('/var/lib/eddy/job/task-0', { memoryBudgetBytes: 128 << 20 });
 */
export class RocksDbStateBackend implements StateBackend {
  readonly kind = 'rocksdb' as const;

  private constructor(
    private readonly db: RocksHandle,
    readonly dir: string,
    private readonly budget: number,
  ) {}

  /** Opens (creating if needed) a RocksDB directory. One process may open a directory once. */
  static async open(dir: string, opts: StateBackendOptions = {}): Promise<RocksDbStateBackend> {
    mkdirSync(dir, { recursive: true });
    const budget = opts.memoryBudgetBytes ?? DEFAULT_MEMORY_BUDGET_BYTES;
    // Small memtables keep the write-ahead log small, and a reopen after kill -9 replays all of it:
    // with half the budget (32 MiB) a task's share of 1M keys never left the log, and each store
    // took 0.4-1.1 s to open on 2 cores; with 4 MiB 0.1-0.2 s, catch-up throughput the same within
    // noise (bench/results/eddy-profile.md, "Recovery: the store's open").
    const writeBufferSize = Math.min(WRITE_BUFFER_BYTES, Math.floor(budget / 2));
    const db = RocksDB(dir);
    await call<void>((cb) => db.open({ createIfMissing: true, cacheSize: budget - writeBufferSize, writeBufferSize, compression: true }, cb));
    return new RocksDbStateBackend(db, dir, budget);
  }

  /** Deletes a closed database's files. */
  static destroy(dir: string): Promise<void> {
    return call<void>((cb) => RocksDB.destroy(dir, cb));
  }

  getMany(keys: readonly Buffer[]): Promise<(Buffer | undefined)[]> {
    if (keys.length === 0) return Promise.resolve([]);
    return call((cb) => this.db.getMany([...keys], { asBuffer: true, fillCache: true }, cb));
  }

  write(batch: WriteBatch): Promise<void> {
    if (batch.puts.length + batch.deletes.length === 0) return Promise.resolve();
    const ops = [
      ...batch.puts.map(([key, value]) => ({ type: 'put' as const, key, value })),
      ...batch.deletes.map((key) => ({ type: 'del' as const, key })),
    ];
    return call<void>((cb) => this.db.batch(ops, { sync: false }, cb));
  }

  async *scan(range: KeyRange): AsyncIterable<readonly [Buffer, Buffer]> {
    // Level's iterator reads ahead in native batches (highWaterMark), so each next() is cheap.
    const it = this.db.iterator({ gte: range.gte, lt: range.lt, keyAsBuffer: true, valueAsBuffer: true, highWaterMark: 256 * 1024 });
    try {
      for (;;) {
        const entry = await new Promise<[Buffer, Buffer] | undefined>((resolve, reject) =>
          it.next((err, key, value) => (err ? reject(err) : resolve(key === undefined ? undefined : [key, value!]))),
        );
        if (!entry) return;
        yield entry;
      }
    } finally {
      await call<void>((cb) => it.end((err) => cb(err)));
    }
  }

  deleteRange(range: KeyRange): Promise<void> {
    return call<void>((cb) => this.db.clear({ gte: range.gte, lt: range.lt }, cb));
  }

  async usage(): Promise<StateUsage> {
    const stored = await call<number>((cb) => this.db.approximateSize(Buffer.alloc(0), KEY_SPACE_END, cb));
    const memtables = Number(this.db.getProperty('rocksdb.cur-size-all-mem-tables')) || 0;
    // Live keys estimate covers data still in memtables, which approximateSize (SST files) misses.
    const liveData = Number(this.db.getProperty('rocksdb.estimate-live-data-size')) || 0;
    return { storedBytes: Math.max(stored, liveData) + memtables, memoryBytes: memtables, memoryBudgetBytes: this.budget };
  }

  close(): Promise<void> {
    return call<void>((cb) => this.db.close(cb));
  }
}
