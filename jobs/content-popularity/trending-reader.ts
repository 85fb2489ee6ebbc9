/**
 * For recommendation services: follows the `trending` topic (read_committed, so only complete,
 * committed rankings) and always holds the latest ranking per category.
 */
import { randomUUID } from 'node:crypto';
import { kafkaClientOptions, type KafkaClientInput } from '../../connectors/kafka/config.js';
import { jsonSerde } from '../../connectors/kafka/serde.js';
import { KafkaSource } from '../../connectors/kafka/source.js';
import { TrendingRecordSchema, type TrendingRecord } from './trending-record.js';

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
  readonly #latest = new Map<string, TrendingRecord>();
  readonly #source: KafkaSource<TrendingRecord>;
  #invalid = 0;

  constructor(private readonly opts: TrendingReaderOptions = {}) {
    this.#source = new KafkaSource(
      kafkaClientOptions({ clientId: 'eddy-trending-reader', ...opts.kafka }),
      // A group of its own: every reader sees every ranking; it starts from the oldest kept.
      { groupId: `eddy-trending-reader-${randomUUID()}`, topics: [opts.topic ?? 'trending'], isolation: 'read_committed', maxWaitTimeMs: 200 },
      jsonSerde(TrendingRecordSchema),
      { write: async (bad) => void (this.#invalid += bad.length) },
    );
  }

  async start(): Promise<void> {
    await this.#source.start(async (batch) => {
      const changed = new Set<string>();
      for (const { value } of batch.records) {
        const before = this.#latest.get(value.category);
        if (!before || value.windowEnd >= before.windowEnd) {
          this.#latest.set(value.category, value);
          changed.add(value.category);
        }
      }
      if (changed.size > 0) this.opts.onUpdate?.([...changed]);
    });
  }

  /** The newest complete ranking of a category (`"all"` for the overall one). */
  latest(category: string): TrendingRecord | undefined {
    return this.#latest.get(category);
  }

  /** The newest ranking of every category seen. */
  all(): TrendingRecord[] {
    return [...this.#latest.values()].sort((a, b) => a.category.localeCompare(b.category));
  }

  /** Records on the topic that did not match the schema (none, unless something else writes there). */
  get invalidRecords(): number {
    return this.#invalid;
  }

  stop(): Promise<void> {
    return this.#source.stop();
  }
}
