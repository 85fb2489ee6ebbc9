/**
 * The first `max` items in a fixed order, whatever order they arrive in: what the top-K phases use
 * to keep at most `--max-groups` groups per window, and views to keep at most that many keys. The
 * items held depend only on the set of items added, never on arrival order, so every task (and
 * every runner) that sees the same items keeps the same ones.
 */

/**
 * A sorted array: inserting moves at most `max` references (a memmove), cheap for the thousand or
 * so items it is meant for, and the last item, the one to evict, is at hand.
 *
 * @example
 * const s = new CappedSet<string>(2, (a, b) => (a < b ? -1 : a > b ? 1 : 0));
 * s.add('b'); s.add('c');
 * s.add('a'); // 'c': evicted to make room
 * s.add('d'); // 'd': ranks after both held items, left out
 * [...s];     // ['a', 'b']
 */
export class CappedSet<T> {
  readonly #items: T[] = [];

  constructor(
    readonly max: number,
    private readonly compare: (a: T, b: T) => number,
  ) {
    if (!Number.isSafeInteger(max) || max < 1) throw new RangeError(`a capped set holds at least 1 item, got ${max}`);
  }

  get size(): number {
    return this.#items.length;
  }

  /**
   * Adds `item` unless an equal one is held. Returns what is left out to stay within `max`: the
   * evicted last item, or `item` itself when it ranks after `max` held items; else undefined.
   */
  add(item: T): T | undefined {
    const i = this.#search(item);
    if (i < this.#items.length && this.compare(this.#items[i]!, item) === 0) return undefined;
    if (i >= this.max) return item;
    this.#items.splice(i, 0, item);
    return this.#items.length > this.max ? this.#items.pop() : undefined;
  }

  /** Removes the item equal to `item`; true if one was held. */
  delete(item: T): boolean {
    const i = this.#search(item);
    if (i >= this.#items.length || this.compare(this.#items[i]!, item) !== 0) return false;
    this.#items.splice(i, 1);
    return true;
  }

  /** The items, first to last. */
  [Symbol.iterator](): IterableIterator<T> {
    return this.#items[Symbol.iterator]();
  }

  /** The first index whose item does not rank before `item`. */
  #search(item: T): number {
    let lo = 0;
    let hi = this.#items.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.compare(this.#items[mid]!, item) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
