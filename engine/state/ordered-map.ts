/**
 * A map from Buffer keys (bytewise order) to values, kept sorted in chunks of at most CHUNK entries:
 * lookups and inserts cost a binary search plus a small splice, range scans are O(log n + k).
 */
const CHUNK = 256;

interface Chunk<V> {
  keys: Buffer[];
  values: V[];
}

/** Index of the first element of `keys` that is ≥ key. */
function lowerBound(keys: readonly Buffer[], key: Buffer): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (Buffer.compare(keys[mid]!, key) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * @example
 * const m = new OrderedMap<string>();
 * m.set(Buffer.from('b'), 'x');
 * [...m.range(Buffer.from('a'), Buffer.from('c'))] // [[<b>, 'x']]
 */
export class OrderedMap<V> {
  #chunks: Chunk<V>[] = [{ keys: [], values: [] }];
  #size = 0;

  get size(): number {
    return this.#size;
  }

  /** The chunk that holds `key` if present: the last chunk whose first key is ≤ key. */
  #chunkFor(key: Buffer): number {
    let lo = 0;
    let hi = this.#chunks.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (Buffer.compare(this.#chunks[mid]!.keys[0]!, key) <= 0) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  get(key: Buffer): V | undefined {
    const c = this.#chunks[this.#chunkFor(key)]!;
    const i = lowerBound(c.keys, key);
    return i < c.keys.length && c.keys[i]!.equals(key) ? c.values[i] : undefined;
  }

  set(key: Buffer, value: V): void {
    const ci = this.#chunkFor(key);
    const c = this.#chunks[ci]!;
    const i = lowerBound(c.keys, key);
    if (i < c.keys.length && c.keys[i]!.equals(key)) {
      c.values[i] = value;
      return;
    }
    c.keys.splice(i, 0, key);
    c.values.splice(i, 0, value);
    this.#size += 1;
    if (c.keys.length > CHUNK * 2) {
      const half = c.keys.length >>> 1;
      this.#chunks.splice(ci + 1, 0, { keys: c.keys.splice(half), values: c.values.splice(half) });
    }
  }

  delete(key: Buffer): boolean {
    const ci = this.#chunkFor(key);
    const c = this.#chunks[ci]!;
    const i = lowerBound(c.keys, key);
    if (i >= c.keys.length || !c.keys[i]!.equals(key)) return false;
    c.keys.splice(i, 1);
    c.values.splice(i, 1);
    this.#size -= 1;
    if (c.keys.length === 0 && this.#chunks.length > 1) this.#chunks.splice(ci, 1);
    return true;
  }

  /** Entries with gte ≤ key < lt, ascending. Mutating the map while iterating is not supported. */
  *range(gte: Buffer, lt: Buffer): IterableIterator<[Buffer, V]> {
    for (let ci = this.#chunkFor(gte); ci < this.#chunks.length; ci += 1) {
      const c = this.#chunks[ci]!;
      for (let i = lowerBound(c.keys, gte); i < c.keys.length; i += 1) {
        if (Buffer.compare(c.keys[i]!, lt) >= 0) return;
        yield [c.keys[i]!, c.values[i]!];
      }
    }
  }

  /** Keys in `[gte, lt)`, collected first so the caller may delete them. */
  keysIn(gte: Buffer, lt: Buffer): Buffer[] {
    return [...this.range(gte, lt)].map(([k]) => k);
  }
}
