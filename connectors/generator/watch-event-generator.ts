/**
 * Synthetic watch events, deterministic per seed: Zipf-popular content, a category fixed per content
 * id, bounded out-of-order event times, and optional late and malformed records.
 */
import { SplitMix32, ZipfSampler } from './distributions.js';
import { encodeWatchEvent, type WatchEvent } from '../../jobs/shared/watch-event.js';

export interface WatchEventGeneratorOptions {
  seed: number;
  /** Distinct content ids. */
  items: number;
  /** Zipf exponent of content popularity (0 = uniform). */
  zipf: number;
  categories: readonly string[];
  /** Nominal event time of the first event (epoch ms). */
  startTime: number;
  /** Event time advances at this rate: event i's nominal time is startTime + floor(i·1000/rate). */
  eventsPerSecond: number;
  /** Event times are jittered back by up to this much. */
  outOfOrderMs: number;
  lateFraction: number;
  badFraction: number;
}

/** One produced record. `late` events are valid but far behind; `bad` ones fail decoding or the schema. */
export interface GeneratedRecord {
  key: string | null;
  value: Buffer;
  kind: 'good' | 'late' | 'bad';
}

/** Late events are this far behind their nominal time (uniformly in between). */
export const LATE_MIN_MS = 15 * 60_000;
export const LATE_MAX_MS = 45 * 60_000;

const USERS = 100_000;
const REGIONS = ['IN-MH', 'IN-KA', 'IN-DL', 'US-CA', 'US-NY', 'GB-LND', 'DE-BE', 'BR-SP', 'JP-13', 'AU-NSW'] as const;
const DEVICES = ['mobile', 'tv', 'web', 'tablet'] as const;
const BAD_FLAVOURS = ['truncated-json', 'not-utf8', 'not-an-object', 'missing-field', 'wrong-type', 'negative-seconds'] as const;

/** FNV-1a of the id: the category is a pure function of the content id, whatever the seed. */
export function categoryOf(contentId: string, categories: readonly string[]): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < contentId.length; i += 1) h = Math.imul(h ^ contentId.charCodeAt(i), 0x01000193);
  return categories[(h >>> 0) % categories.length]!;
}

/**
 * @example
 * const gen = new WatchEventGenerator({ seed: 7, items: 10_000, zipf: 1.1, categories: ['movies', 'news'],
 *   startTime: Date.now(), eventsPerSecond: 333, outOfOrderMs: 5_000, lateFraction: 0, badFraction: 0 });
 * const { key, value } = gen.next();
 */
export class WatchEventGenerator {
  readonly #rng: SplitMix32;
  readonly #zipf: ZipfSampler;
  /** Zipf rank → item index, so the most popular ids are not c-000000, c-000001, … */
  readonly #itemOfRank: Uint32Array;
  readonly #ids: (string | undefined)[];
  readonly #width: number;
  #index = 0;
  #bad = 0;

  constructor(private readonly opts: WatchEventGeneratorOptions) {
    if (opts.categories.length === 0) throw new RangeError('at least one category is needed');
    this.#rng = new SplitMix32(opts.seed);
    this.#zipf = new ZipfSampler(opts.items, opts.zipf, this.#rng);
    this.#itemOfRank = new Uint32Array(opts.items);
    for (let i = 0; i < opts.items; i += 1) this.#itemOfRank[i] = i;
    for (let i = opts.items - 1; i > 0; i -= 1) {
      const j = this.#rng.nextInt(i + 1);
      [this.#itemOfRank[i], this.#itemOfRank[j]] = [this.#itemOfRank[j]!, this.#itemOfRank[i]!];
    }
    this.#ids = new Array<string | undefined>(opts.items);
    this.#width = Math.max(6, String(opts.items - 1).length);
  }

  /** The content id of an item index (`c-000042`). */
  contentId(item: number): string {
    return (this.#ids[item] ??= `c-${String(item).padStart(this.#width, '0')}`);
  }

  /** Nominal (un-jittered) event time of the i-th event. */
  nominalTime(i: number): number {
    return this.opts.startTime + Math.floor((i * 1000) / this.opts.eventsPerSecond);
  }

  next(): GeneratedRecord {
    const rng = this.#rng;
    const nominal = this.nominalTime(this.#index);
    this.#index += 1;
    const roll = rng.nextFloat();
    const contentId = this.contentId(this.#itemOfRank[this.#zipf.sample()]!);
    const event: WatchEvent = {
      eventId: `e-${hex8(rng.nextUint32())}${hex8(rng.nextUint32())}`,
      contentId,
      category: categoryOf(contentId, this.opts.categories),
      userId: `u-${rng.nextInt(USERS)}`,
      region: REGIONS[rng.nextInt(REGIONS.length)]!,
      device: DEVICES[rng.nextInt(DEVICES.length)]!,
      // Most views are short, a few are long: exponential with a mean of ~5 minutes, capped at 1 h.
      watchSeconds: Math.min(3600, 1 + Math.floor(-300 * Math.log(1 - rng.nextFloat()))),
      eventTime: nominal - Math.floor(rng.nextFloat() * (this.opts.outOfOrderMs + 1)),
    };
    if (roll < this.opts.badFraction) return this.#malformed(event);
    if (roll < this.opts.badFraction + this.opts.lateFraction) {
      event.eventTime = Math.max(0, nominal - LATE_MIN_MS - Math.floor(rng.nextFloat() * (LATE_MAX_MS - LATE_MIN_MS)));
      return { key: contentId, value: encodeWatchEvent(event), kind: 'late' };
    }
    return { key: contentId, value: encodeWatchEvent(event), kind: 'good' };
  }

  nextBatch(n: number): GeneratedRecord[] {
    const out = new Array<GeneratedRecord>(n);
    for (let i = 0; i < n; i += 1) out[i] = this.next();
    return out;
  }

  /** A record that must fail: rotates through the flavours so each shows up. */
  #malformed(e: WatchEvent): GeneratedRecord {
    const flavour = BAD_FLAVOURS[this.#bad++ % BAD_FLAVOURS.length]!;
    const json = encodeWatchEvent(e).toString();
    switch (flavour) {
      case 'truncated-json':
        return { key: e.contentId, value: Buffer.from(json.slice(0, json.length >> 1)), kind: 'bad' };
      case 'not-utf8':
        return { key: e.contentId, value: Buffer.concat([Buffer.from('{"eventId":"'), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('"}')]), kind: 'bad' };
      case 'not-an-object':
        return { key: null, value: Buffer.from(JSON.stringify([e.contentId, e.watchSeconds])), kind: 'bad' };
      case 'missing-field': {
        const { contentId: _drop, ...rest } = e;
        return { key: null, value: Buffer.from(JSON.stringify(rest)), kind: 'bad' };
      }
      case 'wrong-type':
        return { key: e.contentId, value: Buffer.from(JSON.stringify({ ...e, watchSeconds: String(e.watchSeconds) })), kind: 'bad' };
      case 'negative-seconds':
        return { key: e.contentId, value: Buffer.from(JSON.stringify({ ...e, watchSeconds: -e.watchSeconds - 1 })), kind: 'bad' };
    }
  }
}

function hex8(n: number): string {
  return n.toString(16).padStart(8, '0');
}
