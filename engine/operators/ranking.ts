/**
 * Deterministic ranking for top-K: score descending, then key ascending (UTF-16 code unit order).
 * Shared by the local and the merge phase, so both order ties the same way.
 */

/** One ranked key. */
export interface Ranked<V> {
  key: string;
  score: number;
  value: V;
}

/** Negative when `a` ranks before `b`. */
export function compareRanked(a: Ranked<unknown>, b: Ranked<unknown>): number {
  if (a.score !== b.score) return b.score - a.score;
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

/**
 * The first `k` entries in rank order, in O(n log k): a bounded heap whose root is the worst kept entry.
 *
 * @example
 * topK([{ key: 'a', score: 1, value: 1 }, { key: 'b', score: 3, value: 3 }], 1) // [{ key: 'b', … }]
 */
export function topK<V>(entries: Iterable<Ranked<V>>, k: number): Ranked<V>[] {
  const heap: Ranked<V>[] = [];
  // Heap order: the entry that ranks LAST sits at the root, so it is the one to evict.
  const worse = (i: number, j: number): boolean => compareRanked(heap[i]!, heap[j]!) > 0;
  const swap = (i: number, j: number): void => {
    const t = heap[i]!;
    heap[i] = heap[j]!;
    heap[j] = t;
  };
  const down = (i: number): void => {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < heap.length && worse(l, m)) m = l;
      if (r < heap.length && worse(r, m)) m = r;
      if (m === i) return;
      swap(i, m);
      i = m;
    }
  };
  if (k <= 0) return [];
  for (const e of entries) {
    if (heap.length < k) {
      heap.push(e);
      for (let i = heap.length - 1; i > 0 && worse(i, (i - 1) >> 1); i = (i - 1) >> 1) swap(i, (i - 1) >> 1);
    } else if (compareRanked(e, heap[0]!) < 0) {
      heap[0] = e;
      down(0);
    }
  }
  return heap.sort(compareRanked);
}
