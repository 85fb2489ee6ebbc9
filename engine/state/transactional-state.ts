/**
 * State that changes only when a Kafka transaction commits. Writes go to an in-memory overlay that
 * reads see (read-your-writes); `pending()` lists them for the changelog topic, produced in the same
 * transaction as the outputs and input offsets; after the transaction commits, `apply()` writes them
 * to the local store in one atomic batch, with the metadata that says up to where it is committed.
 * So local RocksDB only ever holds committed state, and a crash costs at most one interval of replay.
 */
import { ALL_STATE_KEYS } from './key-codec.js';
import { OrderedMap } from './ordered-map.js';
import type { KeyRange, StateBackend, StateUsage, WriteBatch } from './state-backend.js';

/** Metadata lives under this prefix, outside every key group (key groups are < 0x8000). */
export const META_PREFIX = Buffer.from([0xff, 0xfe]);

/** One change for the changelog: a new value, or `null` for a deletion (a tombstone). */
export interface StateChange {
  key: Buffer;
  value: Buffer | null;
}

/**
 * @example
 * const state = new TransactionalState(await RocksDbStateBackend.open(dir));
 * // … operators write through `state` …
 * const changes = state.pending();          // produce to the changelog inside the transaction
 * await txn.commit();
 * await state.apply({ offsets: '{"input":42}' });
 */
export class TransactionalState implements StateBackend {
  readonly kind;
  /** Pending changes; `null` marks a deletion. */
  #overlay = new OrderedMap<Buffer | null>();

  constructor(readonly base: StateBackend) {
    this.kind = base.kind;
  }

  async getMany(keys: readonly Buffer[]): Promise<(Buffer | undefined)[]> {
    const out: (Buffer | undefined)[] = new Array(keys.length);
    const misses: number[] = [];
    keys.forEach((k, i) => {
      const v = this.#overlay.get(k);
      if (v === undefined) misses.push(i);
      else out[i] = v ?? undefined;
    });
    if (misses.length > 0) {
      const fromBase = await this.base.getMany(misses.map((i) => keys[i]!));
      misses.forEach((i, j) => (out[i] = fromBase[j]));
    }
    return out;
  }

  async write(batch: WriteBatch): Promise<void> {
    for (const [k, v] of batch.puts) this.#overlay.set(Buffer.from(k), Buffer.from(v));
    for (const k of batch.deletes) this.#overlay.set(Buffer.from(k), null);
  }

  async *scan(range: KeyRange): AsyncIterable<readonly [Buffer, Buffer]> {
    // Merge the base's entries with the overlay's, the overlay winning; both are in key order.
    const overlay = [...this.#overlay.range(range.gte, range.lt)];
    let i = 0;
    for await (const [k, v] of this.base.scan(range)) {
      while (i < overlay.length && Buffer.compare(overlay[i]![0], k) < 0) {
        const [ok, ov] = overlay[i++]!;
        if (ov !== null) yield [ok, ov];
      }
      if (i < overlay.length && overlay[i]![0].equals(k)) {
        const ov = overlay[i++]![1];
        if (ov !== null) yield [k, ov];
      } else yield [k, v];
    }
    for (; i < overlay.length; i += 1) {
      const [ok, ov] = overlay[i]!;
      if (ov !== null) yield [ok, ov];
    }
  }

  /** Deletes the range; each deleted key becomes a tombstone, so the changelog can carry it. */
  async deleteRange(range: KeyRange): Promise<void> {
    const doomed: Buffer[] = [];
    for await (const [k] of this.scan(range)) doomed.push(k);
    for (const k of this.#overlay.keysIn(range.gte, range.lt)) this.#overlay.set(k, null);
    for (const k of doomed) this.#overlay.set(k, null);
  }

  /** Whether anything changed since the last `apply` or `discard`. */
  get changed(): boolean {
    return this.#overlay.size > 0;
  }

  /** The changes since the last `apply` or `discard`, in key order. */
  pending(): StateChange[] {
    return [...this.#overlay.range(ALL_STATE_KEYS.gte, ALL_STATE_KEYS.lt)].map(([key, value]) => ({ key, value }));
  }

  /** Writes the pending changes and the metadata entries to the base store atomically. */
  async apply(meta: Record<string, string> = {}): Promise<void> {
    const changes = this.pending();
    this.#overlay = new OrderedMap();
    await this.base.write({
      puts: [
        ...changes.filter((c) => c.value !== null).map((c) => [c.key, c.value!] as const),
        ...Object.entries(meta).map(([name, value]) => [metaKey(name), Buffer.from(value)] as const),
      ],
      deletes: changes.filter((c) => c.value === null).map((c) => c.key),
    });
  }

  /** Drops the pending changes (the transaction was aborted). */
  discard(): void {
    this.#overlay = new OrderedMap();
  }

  /** A committed metadata entry, as written by `apply`. */
  async meta(name: string): Promise<string | undefined> {
    const [v] = await this.base.getMany([metaKey(name)]);
    return v?.toString();
  }

  usage(): Promise<StateUsage> {
    return this.base.usage();
  }

  close(): Promise<void> {
    return this.base.close();
  }
}

/** The key of a metadata entry written by `apply`. */
export function metaKey(name: string): Buffer {
  return Buffer.concat([META_PREFIX, Buffer.from(name, 'utf8')]);
}
