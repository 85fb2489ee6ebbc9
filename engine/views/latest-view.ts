/**
 * A queryable view of a job's output: follows an output topic read_committed (so it holds only
 * complete, committed results) and keeps the newest record per key. The runner serves views over
 * HTTP; client libraries such as the content-popularity TrendingReader are built on it.
 */
import { randomUUID } from 'node:crypto';
import type * as z from 'zod';
import { kafkaClientOptions, type KafkaClientInput } from '../../connectors/kafka/config.js';
import { jsonSerde } from '../../connectors/kafka/serde.js';
import { KafkaSource } from '../../connectors/kafka/source.js';

export interface LatestViewOptions<T> {
  kafka?: KafkaClientInput;
  topic: string;
  /** Validates each record (JSON); records that fail are counted, never served. */
  schema: z.ZodType<T>;
  keyOf(record: T): string;
  /** A newer record replaces the held one when its order is at least as high (default: always). */
  orderOf?(record: T): number;
  /** Called after each batch with the keys that changed. */
  onUpdate?(keys: string[]): void;
}

/**
 * @example
 * const view = new LatestView({ topic: 'trending', schema: TrendingRecordSchema, keyOf: (r) => r.category, orderOf: (r) => r.windowEnd });
 * await view.start();
 * view.latest('all');
 */
export class LatestView<T> {
  readonly #latest = new Map<string, T>();
  readonly #source: KafkaSource<T>;
  #invalid = 0;

  constructor(private readonly opts: LatestViewOptions<T>) {
    this.#source = new KafkaSource(
      kafkaClientOptions({ clientId: 'eddy-view', ...opts.kafka }),
      // A group of its own: every view sees every record; it starts from the oldest kept.
      { groupId: `eddy-view-${randomUUID()}`, topics: [opts.topic], isolation: 'read_committed', maxWaitTimeMs: 200 },
      jsonSerde(opts.schema),
      { write: async (bad) => void (this.#invalid += bad.length) },
    );
  }

  async start(): Promise<void> {
    const order = this.opts.orderOf ?? (() => 0);
    await this.#source.start(async (batch) => {
      const changed = new Set<string>();
      for (const { value } of batch.records) {
        const key = this.opts.keyOf(value);
        const before = this.#latest.get(key);
        if (before === undefined || order(value) >= order(before)) {
          this.#latest.set(key, value);
          changed.add(key);
        }
      }
      if (changed.size > 0) this.opts.onUpdate?.([...changed]);
    });
  }

  latest(key: string): T | undefined {
    return this.#latest.get(key);
  }

  /** Every key's newest record, by key. */
  all(): Map<string, T> {
    return new Map([...this.#latest].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }

  /** Records on the topic that did not match the schema. */
  get invalidRecords(): number {
    return this.#invalid;
  }

  stop(): Promise<void> {
    return this.#source.stop();
  }
}

/** One group's ranking, for the `eddy_trending_views` gauge. */
export interface ViewRanking {
  group: string;
  entries: readonly { rank: number; id: string; score: number }[];
}

/**
 * A view a job declares (see `JobDefinition.views`): the runner serves it at
 * `GET /v1/<name>?<param>=<key>` and, with `ranking`, exports its rankings as `eddy_trending_views`.
 */
export interface ViewSpec<T = unknown> extends Omit<LatestViewOptions<T>, 'kafka' | 'onUpdate'> {
  name: string;
  param: string;
  ranking?(record: T): ViewRanking;
}
