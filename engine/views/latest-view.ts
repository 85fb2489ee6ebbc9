/**
 * A queryable view of a job's output: follows an output topic read_committed (so it holds only
 * complete, committed results) and keeps the newest record per key, for a bounded number of keys.
 * The runner serves views over HTTP; client libraries such as the content-popularity
 * TrendingReader are built on it.
 */
import { randomUUID } from 'node:crypto';
import type * as z from 'zod';
import { kafkaClientOptions, type KafkaClientInput } from '../../connectors/kafka/config.js';
import { jsonSerde } from '../api/serde.js';
import { KafkaSource } from '../../connectors/kafka/kafka-source.js';
import { CappedSet } from '../operators/capped-set.js';

/** Keys a view holds when nothing else is said: the runner's `--max-groups` default. */
export const DEFAULT_MAX_KEYS = 1_000;

export interface LatestViewOptions<T> {
  kafka?: KafkaClientInput;
  topic: string;
  /** Validates each record (JSON); records that fail are counted, never served. */
  schema: z.ZodType<T>;
  keyOf(record: T): string;
  /** A newer record replaces the held one when its order is at least as high (default: always). */
  orderOf?(record: T): number;
  /** At most this many keys (default {@link DEFAULT_MAX_KEYS}); see {@link LatestByKey} for which. */
  maxKeys?: number;
  /** Called after each batch that changed something, with the keys that changed and what was left out. */
  onUpdate?(keys: string[], leftOut: LeftOut): void;
}

/** What a batch left out to stay within `maxKeys`. */
export interface LeftOut {
  /** Keys held no more: their records were evicted for other keys' newer ones. */
  evicted: string[];
  /** Records left out: refused, or held and then evicted (so the count does not depend on batching). */
  records: number;
}

/**
 * The newest record per key, for at most `maxKeys` keys: those whose newest records have the highest
 * order, ties by key name (UTF-16 code units). A record of another key that ranks after all of them
 * is refused; one that ranks before evicts the last. So a key whose records stopped coming makes way
 * for current ones (the newest window's groups of a ranking, its overall one included, are all
 * held while they are at most `maxKeys`), and what is held depends only on the records seen, never on
 * how partitions interleave: every runner's view holds the same keys.
 *
 * @example
 * const latest = new LatestByKey<{ c: string; w: number }>({ maxKeys: 2, keyOf: (r) => r.c, orderOf: (r) => r.w });
 * latest.update([{ c: 'a', w: 1 }, { c: 'b', w: 2 }, { c: 'c', w: 3 }]); // { changed: ['b', 'c'], evicted: ['a'], records: 1 }
 * latest.update([{ c: 'd', w: 1 }]); // { changed: [], evicted: [], records: 1 }
 */
export class LatestByKey<T> {
  readonly #latest = new Map<string, { record: T; order: number }>();
  readonly #ranked: CappedSet<{ key: string; order: number }>;
  readonly #keyOf: (record: T) => string;
  readonly #orderOf: (record: T) => number;

  constructor(opts: Pick<LatestViewOptions<T>, 'keyOf' | 'orderOf' | 'maxKeys'>) {
    this.#keyOf = opts.keyOf;
    this.#orderOf = opts.orderOf ?? (() => 0);
    this.#ranked = new CappedSet(opts.maxKeys ?? DEFAULT_MAX_KEYS, (a, b) => b.order - a.order || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  /** Takes a batch of records, in topic order: the keys now holding a newer record, and what was left out. */
  update(records: Iterable<T>): LeftOut & { changed: string[] } {
    const changed = new Set<string>();
    const evicted = new Set<string>();
    let leftOut = 0;
    for (const record of records) {
      const key = this.#keyOf(record);
      const order = this.#orderOf(record);
      const before = this.#latest.get(key);
      if (before !== undefined) {
        if (order < before.order) continue;
        // A held key only moves up: removed and added again, it is never the one left out.
        if (order > before.order) {
          this.#ranked.delete({ key, order: before.order });
          this.#ranked.add({ key, order });
        }
      } else {
        const left = this.#ranked.add({ key, order });
        if (left?.key === key) {
          leftOut += 1;
          continue;
        }
        if (left !== undefined) {
          this.#latest.delete(left.key);
          changed.delete(left.key);
          evicted.add(left.key);
          leftOut += 1;
        }
        evicted.delete(key);
      }
      this.#latest.set(key, { record, order });
      changed.add(key);
    }
    return { changed: [...changed], evicted: [...evicted], records: leftOut };
  }

  get(key: string): T | undefined {
    return this.#latest.get(key)?.record;
  }

  /** Every key's newest record, by key. */
  all(): Map<string, T> {
    return new Map([...this.#latest].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => [k, v.record]));
  }
}

/**
 * @example
 * const view = new LatestView({ topic: 'trending', schema: TrendingRecordSchema, keyOf: (r) => r.category, orderOf: (r) => r.windowEnd });
 * await view.start();
 * view.latest('all');
 */
export class LatestView<T> {
  readonly #latest: LatestByKey<T>;
  readonly #source: KafkaSource<T>;
  #invalid = 0;

  constructor(private readonly opts: LatestViewOptions<T>) {
    this.#latest = new LatestByKey(opts);
    this.#source = new KafkaSource(
      kafkaClientOptions({ clientId: 'eddy-view', ...opts.kafka }),
      // A group of its own: every view sees every record; it starts from the oldest kept. The broker
      // answers its fetch as soon as a byte is there, so the source's 500 ms wait only paces idle polls.
      { groupId: `eddy-view-${randomUUID()}`, topics: [opts.topic], isolation: 'read_committed' },
      jsonSerde(opts.schema),
      { write: async (bad) => void (this.#invalid += bad.length) },
    );
  }

  async start(): Promise<void> {
    await this.#source.start(async (batch) => {
      const { changed, ...leftOut } = this.#latest.update(batch.records.map((r) => r.value));
      if (changed.length > 0 || leftOut.records > 0) this.opts.onUpdate?.(changed, leftOut);
    });
  }

  latest(key: string): T | undefined {
    return this.#latest.get(key);
  }

  /** Every key's newest record, by key. */
  all(): Map<string, T> {
    return this.#latest.all();
  }

  /** Records on the topic that did not match the schema. */
  get invalidRecords(): number {
    return this.#invalid;
  }

  stop(): Promise<void> {
    return this.#source.stop();
  }
}

/**
 * A view a job declares (see `JobDefinition.views`): the runner serves it at
 * `GET /v1/<name>?<param>=<key>`.
 */
export interface ViewSpec<T = unknown> extends Omit<LatestViewOptions<T>, 'kafka' | 'onUpdate' | 'maxKeys'> {
  name: string;
  param: string;
  /**
   * Called in the runner's main thread after each batch of committed records that changed the view:
   * the keys' newest records, and the keys the view let go (to stay within `--max-groups`). Where a
   * job updates metrics of its own from its committed output (content-popularity's trending gauge).
   */
  onChange?(changed: readonly T[], evicted: readonly string[]): void;
}
