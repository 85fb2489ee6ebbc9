/**
 * Seeded randomness for the generator: a small PRNG (SplitMix32: same sequence on every platform)
 * and a Zipf sampler over ranks.
 */

/**
 * @example
 * const rng = new SplitMix32(42);
 * rng.nextInt(6); // 0..5
 */
export class SplitMix32 {
  #state: number;

  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  nextUint32(): number {
    this.#state = (this.#state + 0x9e3779b9) >>> 0;
    let z = this.#state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  }

  /** Uniform in [0, 1). */
  nextFloat(): number {
    return this.nextUint32() / 0x1_0000_0000;
  }

  /** Uniform integer in [0, n). */
  nextInt(n: number): number {
    return Math.floor(this.nextFloat() * n);
  }
}

/**
 * Samples ranks 0..n-1 with P(rank k) ∝ 1/(k+1)^s, by binary search in a cumulative table
 * (s = 0 is uniform).
 *
 * @example
 * const zipf = new ZipfSampler(10_000, 1.1, new SplitMix32(1));
 * zipf.sample(); // mostly small ranks
 */
export class ZipfSampler {
  readonly #cdf: Float64Array;

  constructor(
    readonly n: number,
    readonly s: number,
    private readonly rng: SplitMix32,
  ) {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`Zipf needs at least one item, got ${n}`);
    this.#cdf = new Float64Array(n);
    let total = 0;
    for (let k = 0; k < n; k += 1) {
      total += 1 / Math.pow(k + 1, s);
      this.#cdf[k] = total;
    }
    for (let k = 0; k < n; k += 1) this.#cdf[k]! /= total;
  }

  /** The probability of a rank (for tests and reports). */
  probability(rank: number): number {
    return this.#cdf[rank]! - (rank === 0 ? 0 : this.#cdf[rank - 1]!);
  }

  sample(): number {
    const u = this.rng.nextFloat();
    let lo = 0;
    let hi = this.n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.#cdf[mid]! > u) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }
}
