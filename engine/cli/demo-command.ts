import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as z from 'zod';
import { GeneratorOptionsSchema } from '../../connectors/generator/generator-options.js';
import { runGenerator, type GeneratorProgress } from '../../connectors/generator/run-generator.js';
import { KafkaAdmin } from '../../connectors/kafka/admin.js';
import { kafkaClientOptions } from '../../connectors/kafka/config.js';
import { LocalBroker } from '../../deploy/local/local-broker.js';
import { TrendingReader } from '../../jobs/content-popularity/trending-reader.js';
import type { TrendingRecord } from '../../jobs/content-popularity/trending-record.js';
import { durationMs, formatDuration, ratePerSecond } from '../config/units.js';
import { buildJob, loadJob } from '../api/job-definition.js';
import { startRunnerHttp } from '../runtime/runner-http.js';
import { runRunner } from '../runtime/runner.js';
import type { Command } from './command.js';
import { CliError, parseCommand } from './flags.js';
import { jobModulePath } from './job-registry.js';

const usage = `Usage: eddy demo [--rate 20000/min] [--window 1m] [--slide 10s] [--top 10] [--brokers LIST] [--metrics-port 9464]

The content-popularity demo, end to end: starts the local Kafka broker if it is not running,
produces watch events at the rate, runs the content-popularity job (exactly-once), and prints the
live top-K of the newest window, overall and per category, as rankings arrive on the 'trending'
topic. Metrics, status and the trending view are served at http://127.0.0.1:<metrics-port>
(/metrics, /v1/status, /v1/trending). The demo uses a short window so rankings appear within seconds (the job's own default is 10m
sliding by 1m). Ctrl-C stops everything the demo started, the broker too if it started it.
`;

const Options = z.strictObject({
  rate: z.string().default('20000/min').pipe(ratePerSecond),
  window: durationMs.prefault('1m'),
  slide: durationMs.prefault('10s'),
  top: z.coerce.number().int().min(1).max(50).default(10),
  brokers: z.string().optional(),
  metricsPort: z.coerce.number().int().min(0).max(65_535).default(9464),
});

function render(reader: TrendingReader, gen: GeneratorProgress | undefined, settings: string, url: string): string {
  const all = reader.latest('all');
  const lines = [`Eddy demo — content-popularity (${settings})`, `metrics: ${url}/metrics   trending: ${url}/v1/trending?category=all`, ''];
  lines.push(gen ? `generator: ${gen.produced.toLocaleString('en-US')} events in ${(gen.elapsedMs / 1000).toFixed(0)} s` : 'generator: starting');
  if (!all) {
    lines.push('', 'waiting for the first window to close (watermark = newest event time − 5 s)…');
    return lines.join('\n');
  }
  const when = (r: TrendingRecord): string => `${new Date(r.windowStart).toISOString().slice(11, 19)}–${new Date(r.windowEnd).toISOString().slice(11, 19)} UTC`;
  lines.push('', `Top ${all.rankings.length} overall, window ${when(all)}:`, '  rank  content     views   watch-min');
  for (const e of all.rankings) lines.push(`  ${String(e.rank).padStart(4)}  ${e.contentId.padEnd(10)} ${String(e.views).padStart(6)}  ${String(Math.round(e.watchSeconds / 60)).padStart(10)}`);
  lines.push('', 'Per category (top 3):');
  for (const r of reader.all().filter((x) => x.category !== 'all')) {
    lines.push(`  ${r.category.padEnd(8)} ${r.rankings.slice(0, 3).map((e) => `${e.contentId} (${e.views})`).join('  ')}`);
  }
  lines.push('', 'Ctrl-C stops the demo.');
  return lines.join('\n');
}

export const demoCommand: Command = {
  name: 'demo',
  summary: 'run the content-popularity demo: broker, generator, job, live top-K',
  usage,
  async run(argv) {
    const flags = { rate: { type: 'string' }, window: { type: 'string' }, slide: { type: 'string' }, top: { type: 'string' }, brokers: { type: 'string' }, 'metrics-port': { type: 'string' } } as const;
    const { options, help } = parseCommand(argv, flags, Options);
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
    const kafka = kafkaClientOptions({ brokers, clientId: 'eddy-demo' });
    const admin = new KafkaAdmin(kafka);
    await admin.connect();
    // The reader starts before the job has created its output topic.
    await admin.ensureTopics([{ name: 'watch-events', partitions: 8 }, { name: 'trending', partitions: 1 }]);
    await admin.disconnect();

    const settings = `window ${formatDuration(options.window)} sliding ${formatDuration(options.slide)}, top ${options.top}, ${Math.round(options.rate * 60)} events/min`;
    const tty = process.stdout.isTTY;
    let progress: GeneratorProgress | undefined;
    const jobOptions = { window: options.window, slide: options.slide, top: options.top, outOfOrderness: '5s', idleTimeout: '10s' };
    const def = await loadJob(jobModulePath('content-popularity'));
    const groupId = `eddy-demo-${Date.now()}`;
    const http = await startRunnerHttp({
      def, options: def.options.parse(jobOptions), job: buildJob(def, jobOptions), kafka, groupId, parallelism: 1,
      host: '127.0.0.1', port: options.metricsPort, stop,
    }).catch((e: Error) => {
      throw new CliError(`--metrics-port: ${e.message}`);
    });
    const reader = new TrendingReader({
      kafka: { brokers },
      onUpdate: (changed) => !tty && changed.includes('all') && console.log(`\n${render(reader, progress, settings, http.url)}`),
    });
    await reader.start();
    const generator = runGenerator(GeneratorOptionsSchema.parse({ brokers, rate: `${options.rate}/s` }), {
      signal: abort.signal,
      onProgress: (p) => (progress = p),
      log: () => undefined,
    });
    const job = runRunner({
      jobModule: jobModulePath('content-popularity'),
      jobOptions,
      kafka,
      groupId,
      monitor: http.monitor,
      stateDir: mkdtempSync(join(tmpdir(), 'eddy-demo-')),
      stateBackend: 'rocksdb',
      bounded: false,
      commitIntervalMs: 1_000,
      sessionTimeoutMs: 10_000,
      parallelism: 1,
      signal: abort.signal,
      log: () => undefined,
    });
    const screen = tty ? setInterval(() => process.stdout.write(`\x1b[2J\x1b[H${render(reader, progress, settings, http.url)}\n`), 1_000) : undefined;
    try {
      await Promise.all([generator, job]);
    } finally {
      clearInterval(screen);
      await reader.stop();
      await http.close();
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
