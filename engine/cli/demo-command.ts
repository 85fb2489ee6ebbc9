import * as z from 'zod';
import { GeneratorOptionsSchema } from '../../connectors/generator/generator-options.js';
import { runGenerator } from '../../connectors/generator/run-generator.js';
import { KafkaAdmin } from '../../connectors/kafka/admin.js';
import { DEFAULT_BROKERS, kafkaClientOptions } from '../../connectors/kafka/config.js';
import type { DeadLetterWriter } from '../../connectors/kafka/dead-letter.js';
import { bytesSerde } from '../../connectors/kafka/serde.js';
import { KafkaSource } from '../../connectors/kafka/source.js';
import { LocalBroker } from '../../deploy/local/local-broker.js';
import { ratePerSecond } from '../config/units.js';
import type { Command } from './command.js';
import { parseCommand } from './flags.js';

const usage = `Usage: eddy demo [--rate 20000/min] [--topic watch-events] [--brokers LIST]

Starts the local Kafka broker if it is not running, produces watch events at the rate, and prints the
rate a consumer group reads them at, every second. Ctrl-C stops everything the demo started.
(The content-popularity job joins the demo when the engine exists.)
`;

const Options = z.strictObject({
  rate: z.string().default('20000/min').pipe(ratePerSecond),
  topic: z.string().min(1).default('watch-events'),
  brokers: z.string().optional(),
});

/** Counts what it is handed; the demo's stand-in for a job. */
const countOnly: DeadLetterWriter = { write: async () => undefined };

export const demoCommand: Command = {
  name: 'demo',
  summary: 'run the demo: broker, generator at 20k events/min, a consumer printing the rate',
  usage,
  async run(argv) {
    const { options, help } = parseCommand(argv, { rate: { type: 'string' }, topic: { type: 'string' }, brokers: { type: 'string' } }, Options);
    if (help) {
      process.stdout.write(usage);
      return 0;
    }
    const abort = new AbortController();
    const stop = (): void => abort.abort();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);

    let startedBroker: LocalBroker | undefined;
    let brokers = options.brokers;
    if (brokers === undefined) {
      const broker = new LocalBroker();
      const info = await broker.start();
      if (!info.reused) startedBroker = broker;
      brokers = info.bootstrap;
    }
    const client = kafkaClientOptions({ brokers: brokers ?? DEFAULT_BROKERS, clientId: 'eddy-demo' });
    const admin = new KafkaAdmin(client);
    await admin.connect();
    await admin.ensureTopics([{ name: options.topic, partitions: 8 }]);
    await admin.disconnect();

    let consumed = 0;
    const source = new KafkaSource(client, { groupId: `eddy-demo-${process.pid}`, topics: [options.topic], startFrom: 'latest' }, bytesSerde, countOnly);
    await source.start(async (batch) => {
      consumed += batch.records.length;
    });
    const generator = runGenerator(
      GeneratorOptionsSchema.parse({ brokers, topic: options.topic, rate: `${options.rate}/s` }),
      { signal: abort.signal, log: (l) => console.log(l) },
    );
    console.log(`demo: generating ${Math.round(options.rate * 60)} events/min to ${options.topic} at ${brokers}; Ctrl-C stops it`);
    let last = consumed;
    let lastAt = Date.now();
    const ticker = setInterval(() => {
      const now = Date.now();
      const rate = ((consumed - last) * 1000) / (now - lastAt);
      [last, lastAt] = [consumed, now];
      console.log(`consumer: ${rate.toFixed(0).padStart(6)} records/s   total ${consumed}   partitions ${source.owned.length}`);
    }, 1_000);
    try {
      const done = await generator;
      console.log(`generator: produced ${done.produced} events in ${(done.elapsedMs / 1000).toFixed(1)} s`);
    } finally {
      clearInterval(ticker);
      await source.stop();
      if (startedBroker) {
        console.log('stopping the broker the demo started…');
        await startedBroker.stop();
      }
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    }
    return 0;
  },
};
