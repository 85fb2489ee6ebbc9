/**
 * Seeded Nexmark bids. The distributions are those of Nexmark's Flink generator (github.com/nexmark/nexmark,
 * nexmark-flink/…/generator: GeneratorConfig, NexmarkConfiguration's defaults, BidGenerator,
 * AuctionGenerator, PersonGenerator, PriceGenerator, StringsGenerator): the event sequence interleaves
 * 1 person, 3 auctions and 46 bids per 50 events, event n happens at `baseTime + n / rate`, and a bid's
 * auction and bidder ids follow from its event number, so ids and timestamps are those of the full
 * sequence even though only the bids are written (q5 reads only bids). Nexmark draws from an unseeded
 * SplittableRandom; here one seeded SplitMix32 makes a run reproducible.
 */
import { SplitMix32 } from '../../connectors/generator/distributions.js';
import type { Bid } from './bid.js';

/** NexmarkConfiguration's defaults and GeneratorConfig's constants that bids depend on. */
export const NEXMARK = {
  personProportion: 1,
  auctionProportion: 3,
  bidProportion: 46,
  /** Events per second of event time. */
  firstEventRate: 10_000,
  /** A bid is for the current hot auction with probability 1 − 1/2. */
  hotAuctionRatio: 2,
  /** A bid is by the current hot bidder with probability 1 − 1/4. */
  hotBiddersRatio: 4,
  numInFlightAuctions: 100,
  numActivePeople: 1_000,
  firstAuctionId: 1_000,
  firstPersonId: 1_000,
} as const;

const TOTAL = NEXMARK.personProportion + NEXMARK.auctionProportion + NEXMARK.bidProportion;
/** BidGenerator's HOT_AUCTION_RATIO / HOT_BIDDER_RATIO: the hot one is the first of each batch of 100. */
const HOT_BATCH = 100;
/** Ids a little ahead of the last one generated (AuctionGenerator's AUCTION_ID_LEAD, PersonGenerator's PERSON_ID_LEAD). */
const ID_LEAD = 10;
const HOT_CHANNELS = ['Google', 'Facebook', 'Baidu', 'Apple'];
const CHANNELS = 10_000;

export interface BidGeneratorOptions {
  seed: number;
  /** Event time of event 0, epoch ms (default 2026-01-01T00:00:00Z). */
  baseTime?: number;
  /** Events (persons, auctions and bids) per second of event time (default Nexmark's 10,000). */
  firstEventRate?: number;
}

/**
 * Bids in generation order; `dateTime` never decreases.
 *
 * @example
 * const gen = new BidGenerator({ seed: 1 });
 * gen.take(3).map((b) => b.auction); // [1006, 1000, 1000]: half of them on the hot auction, 1000
 */
export class BidGenerator {
  readonly #rng: SplitMix32;
  readonly #baseTime: number;
  readonly #interEventDelayUs: number;
  readonly #hotUrls: string[];
  readonly #channelUrls: string[];
  /** The next event number of the full person/auction/bid sequence. */
  #event = 0;

  constructor(o: BidGeneratorOptions) {
    this.#rng = new SplitMix32(o.seed);
    this.#baseTime = o.baseTime ?? 1_767_225_600_000;
    this.#interEventDelayUs = 1_000_000 / (o.firstEventRate ?? NEXMARK.firstEventRate);
    this.#hotUrls = HOT_CHANNELS.map(() => this.#baseUrl());
    // BidGenerator's channel cache: 9 in 10 URLs carry the channel id, bit-reversed as Integer.reverse does.
    this.#channelUrls = Array.from({ length: CHANNELS }, (_, i) => {
      const url = this.#baseUrl();
      return this.#rng.nextInt(10) > 0 ? `${url}&channel_id=${Math.abs(reverseBits32(i))}` : url;
    });
  }

  /** Event time of event `n` (GeneratorConfig.timestampForEvent). */
  timestampForEvent(n: number): number {
    return this.#baseTime + Math.floor(Math.trunc(n * this.#interEventDelayUs) / 1000);
  }

  next(): Bid {
    while (this.#event % TOTAL < NEXMARK.personProportion + NEXMARK.auctionProportion) this.#event += 1;
    const n = this.#event;
    this.#event += 1;
    const rng = this.#rng;
    const epoch = Math.floor(n / TOTAL);
    // The last auction and person created before this bid (lastBase0AuctionId / lastBase0PersonId).
    const lastAuction = epoch * NEXMARK.auctionProportion + NEXMARK.auctionProportion - 1;
    const lastPerson = epoch * NEXMARK.personProportion + NEXMARK.personProportion - 1;

    let auction: number;
    if (rng.nextInt(NEXMARK.hotAuctionRatio) > 0) auction = Math.floor(lastAuction / HOT_BATCH) * HOT_BATCH;
    else {
      // One of the auctions probably still in flight, or a few not created yet (nextBase0AuctionId).
      const min = Math.max(lastAuction - NEXMARK.numInFlightAuctions, 0);
      auction = min + rng.nextInt(lastAuction - min + 1 + ID_LEAD);
    }

    let bidder: number;
    if (rng.nextInt(NEXMARK.hotBiddersRatio) > 0) bidder = Math.floor(lastPerson / HOT_BATCH) * HOT_BATCH + 1;
    else {
      const people = lastPerson + 1;
      const active = Math.min(people, NEXMARK.numActivePeople);
      bidder = people - active + rng.nextInt(active + ID_LEAD);
    }

    const price = Math.round(Math.pow(10, rng.nextFloat() * 6) * 100);
    let channel: string;
    let url: string;
    if (rng.nextInt(2) > 0) {
      const i = rng.nextInt(HOT_CHANNELS.length);
      [channel, url] = [HOT_CHANNELS[i]!, this.#hotUrls[i]!];
    } else {
      const i = rng.nextInt(CHANNELS);
      [channel, url] = [`channel-${i}`, this.#channelUrls[i]!];
    }
    return {
      auction: auction + NEXMARK.firstAuctionId,
      // Nexmark's BidGenerator adds FIRST_PERSON_ID twice; kept, so bidder ids are in its range.
      bidder: bidder + 2 * NEXMARK.firstPersonId,
      price,
      channel,
      url,
      dateTime: this.timestampForEvent(n),
      // Nexmark pads `extra` to an average bid of 100 bytes; the record format here leaves it empty.
      extra: '',
    };
  }

  take(count: number): Bid[] {
    return Array.from({ length: count }, () => this.next());
  }

  /** StringsGenerator.nextString(random, 5, '_'), three times (BidGenerator.getBaseUrl). */
  #baseUrl(): string {
    const part = (): string => {
      let s = '';
      for (let len = 3 + this.#rng.nextInt(2); len > 0; len -= 1) s += this.#rng.nextInt(13) === 0 ? '_' : String.fromCharCode(97 + this.#rng.nextInt(26));
      return s;
    };
    return `https://www.nexmark.com/${part()}/${part()}/${part()}/item.htm?query=1`;
  }
}

/** Java's Integer.reverse: the 32 bits of `i` in reverse order, as a signed int. */
function reverseBits32(i: number): number {
  let r = 0;
  for (let b = 0; b < 32; b += 1) r = (r << 1) | ((i >>> b) & 1);
  return r | 0;
}
