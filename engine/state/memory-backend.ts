/**
 * In-memory state: the same contract as RocksDB (one behaviour suite runs against both), for tests,
 * the operator harness and jobs whose state fits in the heap.
 */
import { OrderedMap } from './ordered-map.js';
import { DEFAULT_MEMORY_BUDGET_BYTES, type KeyRange, type StateBackend, type StateBackendOptions, type StateUsage, type WriteBatch } from './state-backend.js';

/** Rough per-entry overhead of the JS objects holding an entry. */
const ENTRY_OVERHEAD_BYTES = 80;

/**
 * @example
 * const state = new MemoryStateBackend();
 * await state.write({ puts: [[Buffer.from('k'), Buffer.from('v')]], deletes: [] });
 */
export class MemoryStateBackend implements StateBackend {
  readonly kind = 'memory' as const;
  readonly #map = new OrderedMap<Buffer>();
  readonly #budget: number;
  #bytes = 0;
  #closed = false;

  constructor(opts: StateBackendOptions = {}) {
    this.#budget = opts.memoryBudgetBytes ?? DEFAULT_MEMORY_BUDGET_BYTES;
  }

  #open(): void {
    if (this.#closed) throw new Error('state backend is closed');
  }

  async getMany(keys: readonly Buffer[]): Promise<(Buffer | undefined)[]> {
    this.#open();
    return keys.map((k) => this.#map.get(k));
  }

  async write(batch: WriteBatch): Promise<void> {
    this.#open();
    for (const [k, v] of batch.puts) {
      const before = this.#map.get(k);
      if (before) this.#bytes -= before.length;
      else this.#bytes += k.length + ENTRY_OVERHEAD_BYTES;
      // Copies: callers may reuse their buffers.
      this.#map.set(Buffer.from(k), Buffer.from(v));
      this.#bytes += v.length;
    }
    for (const k of batch.deletes) this.#remove(k);
  }

  async *scan(range: KeyRange): AsyncIterable<readonly [Buffer, Buffer]> {
    this.#open();
    // A snapshot of the range, so writes during the scan cannot break the iteration.
    const entries = [...this.#map.range(range.gte, range.lt)];
    yield* entries;
  }

  async deleteRange(range: KeyRange): Promise<void> {
    this.#open();
    for (const k of this.#map.keysIn(range.gte, range.lt)) this.#remove(k);
  }

  async usage(): Promise<StateUsage> {
    return { storedBytes: this.#bytes, memoryBytes: this.#bytes, memoryBudgetBytes: this.#budget };
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  #remove(k: Buffer): void {
    const before = this.#map.get(k);
    if (before === undefined) return;
    this.#map.delete(k);
    this.#bytes -= k.length + before.length + ENTRY_OVERHEAD_BYTES;
  }
}
