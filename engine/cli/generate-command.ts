import { GeneratorOptionsSchema, ratesOf, DEFAULT_CATEGORIES, DEFAULT_RATE } from '../../connectors/generator/generator-options.js';
import { runGenerator, type GeneratorProgress } from '../../connectors/generator/run-generator.js';
import type { Command } from './command.js';
import { parseCommand, type FlagSpec } from './flags.js';

const usage = `Usage: eddy generate [options]

Produces synthetic watch events (JSON, keyed by contentId) to a Kafka topic, creating it if missing.

Options:
  --brokers LIST        Kafka bootstrap servers (default 127.0.0.1:9092)
  --topic NAME          topic (default watch-events)
  --partitions N        partitions when the topic is created (default 8)
  --rate R              events per time, e.g. 20000/min or 500/s (default ${DEFAULT_RATE}; with --count and
                        no --rate: as fast as the broker takes them)
  --count N             stop after N events
  --duration D          stop after D, e.g. 90s or 10m (else: run until Ctrl-C)
  --items N             distinct content ids (default 10000)
  --zipf S              popularity skew, Zipf exponent (default 1.1; 0 = uniform)
  --categories LIST     comma-separated (default ${DEFAULT_CATEGORIES.join(',')})
  --seed N              same seed (and --start-time), same events (default: random, printed)
  --out-of-order D      max event-time jitter (default 5s)
  --late-fraction F     fraction of events 15-45 minutes behind (default 0)
  --bad-fraction F      fraction of malformed or schema-invalid records (default 0)
  --start-time T        event time of the first event, epoch ms or ISO-8601 (default now; with --count
                        and no --rate, such that the last event is at about now)
  --config FILE         JSON file with any of these options (camelCase keys)
  -D key=value          any option, including Kafka client settings: -D kafka.sasl.mechanism=plain
Each flag can also be set by EDDY_GENERATE_<FLAG> (EDDY_BROKERS for --brokers): flags > variables > -D > --config.
`;

const flags: FlagSpec = Object.fromEntries(
  ['brokers', 'topic', 'partitions', 'rate', 'count', 'duration', 'items', 'zipf', 'categories', 'seed',
    'out-of-order', 'late-fraction', 'bad-fraction', 'start-time'].map((f) => [f, { type: 'string' }]),
);

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

function progressLine(p: GeneratorProgress): string {
  const rate = p.elapsedMs > 0 ? (p.produced * 1000) / p.elapsedMs : 0;
  const of = p.target !== undefined ? ` of ${fmt(p.target)}` : '';
  return `produced ${fmt(p.produced)}${of} events in ${(p.elapsedMs / 1000).toFixed(1)} s (${fmt(rate)}/s; late ${fmt(p.late)}, bad ${fmt(p.bad)})`;
}

export const generateCommand: Command = {
  name: 'generate',
  summary: 'produce synthetic watch events to Kafka (paced or as fast as possible)',
  usage,
  flags,
  async run(argv) {
    const { options, help } = parseCommand(argv, flags, GeneratorOptionsSchema, { command: 'generate' });
    if (help) {
      process.stdout.write(usage);
      return 0;
    }
    const { paced } = ratesOf(options);
    const pace = paced === undefined ? 'unpaced' : `${fmt(paced * 60)}/min`;
    console.error(`generating to ${options.topic} at ${options.brokers}: ${pace}, seed ${options.seed}, ${fmt(options.items)} items, zipf ${options.zipf}`);
    const abort = new AbortController();
    const stop = (): void => abort.abort();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    const tty = process.stderr.isTTY;
    try {
      const done = await runGenerator(options, {
        signal: abort.signal,
        progressIntervalMs: tty ? 1_000 : 10_000,
        onProgress: (p) => process.stderr.write(tty ? `\r${progressLine(p)}\x1b[K` : `${progressLine(p)}\n`),
      });
      if (tty) process.stderr.write('\n');
      console.error(`done: ${progressLine(done)}`);
      console.log(JSON.stringify({ produced: done.produced, good: done.good, late: done.late, bad: done.bad, elapsedMs: done.elapsedMs, seed: options.seed }));
      return 0;
    } finally {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    }
  },
};
