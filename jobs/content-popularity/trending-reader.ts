/**
 * For recommendation services: follows the `trending` topic (read_committed, so only complete,
 * committed rankings) and always holds the latest ranking per category. A client of the job's
 * output, not part of the job: the job module imports only the public API and its own folder.
 */
import type { KafkaClientInput } from '../../connectors/kafka/config.js';
import { LatestView } from '../../engine/views/latest-view.js';
import type { TrendingRecord } from './trending-record.js';
import { trendingViewSpec } from './trending-view.js';

export interface TrendingReaderOptions {
  kafka?: KafkaClientInput;
  /** Default `trending`. */
  topic?: string;
  /** Called after each update with the categories that changed. */
  onUpdate?: (categories: string[]) => void;
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
