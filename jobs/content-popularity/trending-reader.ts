/**
 * For recommendation services: follows the `trending` topic (read_committed, so only complete,
 * committed rankings) and always holds the latest ranking per category.
 */
import type { KafkaClientInput } from '../../connectors/kafka/config.js';
import { LatestView, type ViewSpec } from '../../engine/views/latest-view.js';
import { TrendingRecordSchema, type TrendingRecord } from './trending-record.js';

export interface TrendingReaderOptions {
  kafka?: KafkaClientInput;
  /** Default `trending`. */
  topic?: string;
  /** Called after each update with the categories that changed. */
  onUpdate?: (categories: string[]) => void;
}

/**
 * The trending view: the newest window's ranking per category. The runner serves it at
 * `GET /v1/trending?category=<c>` and exports it as `eddy_trending_views`.
 */
export function trendingViewSpec(topic: string): ViewSpec<TrendingRecord> {
  return {
    name: 'trending',
    param: 'category',
    topic,
    schema: TrendingRecordSchema,
    keyOf: (r) => r.category,
    orderOf: (r) => r.windowEnd,
    ranking: (r) => ({ group: r.category, entries: r.rankings.map((e) => ({ rank: e.rank, id: e.contentId, score: e.views })) }),
  };
}

/**
 * @example
 * const reader = new TrendingReader({ kafka: { brokers: '127.0.0.1:9092' } });
 * await reader.start();
 * reader.latest('all')?.rankings[0]?.contentId; // the most viewed content of the newest window
 */
export class TrendingReader {
  readonly #view: LatestView<TrendingRecord>;

  constructor(opts: TrendingReaderOptions = {}) {
    this.#view = new LatestView({
      ...trendingViewSpec(opts.topic ?? 'trending'),
      kafka: { clientId: 'eddy-trending-reader', ...opts.kafka },
      ...(opts.onUpdate ? { onUpdate: opts.onUpdate } : {}),
    });
  }

  start(): Promise<void> {
    return this.#view.start();
  }

  /** The newest complete ranking of a category (`"all"` for the overall one). */
  latest(category: string): TrendingRecord | undefined {
    return this.#view.latest(category);
  }

  /** The newest ranking of every category seen, by category. */
  all(): TrendingRecord[] {
    return [...this.#view.all().values()];
  }

  /** Records on the topic that did not match the schema (none, unless something else writes there). */
  get invalidRecords(): number {
    return this.#view.invalidRecords;
  }

  stop(): Promise<void> {
    return this.#view.stop();
  }
}
