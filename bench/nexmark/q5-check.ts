/**
 * Checks a q5 run's output against the reference as a set of (window, auction, count) triples: each
 * record is JSON `{"windowStart","windowEnd","auction","num"}` keyed by the auction id. Records of
 * windows starting after the last real bid hold only flush bids and are ignored.
 */
import * as z from 'zod';
import type { OutputChecker } from '../harness/engine-run.js';
import type { HotItem } from './bid.js';
import type { Q5Expected } from './q5-reference.js';

const HotItemSchema = z.strictObject({ windowStart: z.number().int(), windowEnd: z.number().int(), auction: z.number().int(), num: z.number().int() });

/** Problems kept; the first ones tell what is wrong. */
const MAX_PROBLEMS = 10;

const id = (windowStart: number, auction: number): string => `${windowStart}|${auction}`;

/**
 * @example
 * const check = new Q5Check(referenceQ5(bids));
 * const m = await measureRun(argv, { kafka, output, check, timeoutMs, log });
 */
export class Q5Check implements OutputChecker {
  readonly problems: string[] = [];
  readonly #expected = new Map<string, HotItem>();
  readonly #seen = new Set<string>();

  constructor(private readonly expected: Q5Expected) {
    for (const h of expected.hot) this.#expected.set(id(h.windowStart, h.auction), h);
  }

  add(key: string | null, value: Buffer): void {
    let got: HotItem;
    try {
      got = HotItemSchema.parse(JSON.parse(value.toString()));
    } catch {
      return this.#problem(`unreadable record ${value.toString().slice(0, 200)}`);
    }
    if (got.windowStart > this.expected.maxDateTime) return;
    const triple = id(got.windowStart, got.auction);
    const want = this.#expected.get(triple);
    if (want === undefined) return this.#problem(`extra ${JSON.stringify(got)}`);
    if (this.#seen.has(triple)) return this.#problem(`duplicate ${JSON.stringify(got)}`);
    if (got.num !== want.num || got.windowEnd !== want.windowEnd) return this.#problem(`wrong ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);
    if (key !== String(got.auction)) return this.#problem(`key ${JSON.stringify(key)} for ${JSON.stringify(got)}`);
    this.#seen.add(triple);
  }

  get complete(): boolean {
    return this.#seen.size === this.#expected.size;
  }

  /** How many expected triples were seen, and the first missing ones. */
  progress(): string {
    const missing = [...this.#expected.keys()].filter((k) => !this.#seen.has(k));
    const first = missing.slice(0, 3).map((k) => JSON.stringify(this.#expected.get(k)));
    return `${this.#seen.size} of ${this.#expected.size} (window, auction, count) triples${missing.length > 0 ? `; missing ${first.join(', ')}${missing.length > 3 ? ', …' : ''}` : ''}`;
  }

  #problem(p: string): void {
    if (this.problems.length < MAX_PROBLEMS) this.problems.push(p);
  }
}
