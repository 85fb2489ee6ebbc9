import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as z from 'zod';
import { GeneratorOptionsSchema } from '../../connectors/generator/generator-options.js';
import { runGenerator } from '../../connectors/generator/run-generator.js';
import { KafkaAdmin } from '../../connectors/kafka/admin.js';
import { kafkaClientOptions, type KafkaClientOptions } from '../../connectors/kafka/config.js';
import { LocalBroker } from '../../deploy/local/local-broker.js';
import { durationMs, formatDuration, ratePerSecond } from '../config/units.js';
import { readableLine } from '../log/log-format.js';
import { Logger, LogLevelSchema } from '../log/logger.js';
import { setThreadLogger } from '../log/thread-logger.js';
import { buildJob, loadJob } from '../api/job-definition.js';
import { startRunnerHttp } from '../runtime/runner-http.js';
import { runRunner } from '../runtime/runner.js';
import type { Command } from './command.js';
import { DemoScreen } from './demo-screen.js';
import { CliError, parseCommand } from './flags.js';
import { jobModulePath } from './job-registry.js';

const usage = `Usage: eddy demo [options]

The content-popularity demo, end to end: starts the local Kafka broker on --kafka-port if none is
running (with --brokers, uses those instead), produces watch events at the rate, runs the
content-popularity job (exactly-once), and shows the live top-K of the newest window, overall and
per category, as rankings arrive on the 'trending' topic, with the job's members, restarts and
errors. Metrics, status and the trending view are served at http://127.0.0.1:<metrics-port>
(/metrics, /v1/status, /v1/trending). The demo uses a short window so rankings appear within
seconds (the job's own default is 10m sliding by 1m). Ctrl-C, or a failure of the generator or
the job, stops everything the demo started, the broker too if it started it. The job's log (at
--log-level) shows among the screen's messages.

Options:
  --rate R            watch events per time (default 20000/min)
  --window D          the job's window (default 1m) …
  --slide D           … sliding by D (default 10s)
  --top N             ranks shown, 1 to 50 (default 10)
  --kafka-port N      the local broker's port (default 9092; the controller uses N+1)
  --brokers LIST      use these Kafka brokers instead of the local broker
  --metrics-port N    the job's HTTP port (default 9464; 0 = any free port)
  --log-level L       error, warn, info (default) or debug
`;

const Options = z.strictObject({
  rate: z.string().default('20000/min').pipe(ratePerSecond),
  window: durationMs.prefault('1m'),
  slide: durationMs.prefault('10s'),
  top: z.coerce.number().int().min(1).max(50).default(10),
  brokers: z.string().optional(),
  kafkaPort: z.coerce.number().int().min(1024).max(65534).default(9092),
  metricsPort: z.coerce.number().int().min(0).max(65_535).default(9464),
  logLevel: LogLevelSchema.default('info'),
});

const flags = { rate: { type: 'string' }, window: { type: 'string' }, slide: { type: 'string' }, top: { type: 'string' }, brokers: { type: 'string' }, 'kafka-port': { type: 'string' }, 'metrics-port': { type: 'string' }, 'log-level': { type: 'string' } } as const;

type DemoOptions = z.output<typeof Options>;

/** What the demo started, stopped in reverse order whatever way it ends. */
type Started = { what: string; stop: () => Promise<void> }[];

/** The brokers to use: those given, else the local broker (started if none runs). */
async function brokersFor(o: DemoOptions, started: Started): Promise<string> {
  if (o.brokers !== undefined) return o.brokers;
  const broker = new LocalBroker();
  const info = await broker.start({ port: o.kafkaPort });
  if (!info.reused) {
    started.push({ what: 'the broker', stop: async () => {
      console.error('stopping the broker the demo started…');
      await broker.stop();
    } });
  }
  return info.bootstrap;
}

/** The generator's topic, with its partition count: the job would make a missing input with one. */
async function ensureInput(kafka: KafkaClientOptions): Promise<void> {
  const admin = new KafkaAdmin(kafka);
  await admin.connect();
  try {
    await admin.ensureTopics([{ name: 'watch-events', partitions: 8 }]);
  } finally {
    await admin.disconnect();
  }
}

/** Runs the demo until `signal` or a failure; returns the exit code. Pushes what it starts onto `started`. */
async function demo(o: DemoOptions, signal: AbortSignal, stop: () => void, started: Started): Promise<number> {
  const def = await loadJob(jobModulePath('content-popularity'));
  const jobOptions = { window: o.window, slide: o.slide, top: o.top, outOfOrderness: '5s', idleTimeout: '10s' };
  const options = def.options.parse(jobOptions);
  if (!def.display) throw new CliError(`job ${def.name} has no display`);
  const brokers = await brokersFor(o, started);
  if (signal.aborted) return 0;
  const tty = process.stdout.isTTY === true;
  // On a terminal kafkajs's error lines (a starting broker's, a rebalance's) would crowd out the
  // screen's few messages; failures reach it through the runner's log.
  const kafka = kafkaClientOptions({ brokers, clientId: 'eddy-demo', logLevel: tty ? 'nothing' : 'error' });
  const groupId = `eddy-demo-${Date.now()}`;
  await ensureInput(kafka);

  // The log (the runner's, its member's, kafkajs's) goes among the screen's messages, readable; on
  // stderr until the screen is there.
  let message = (_from: string, line: string): void => void process.stderr.write(`${line}\n`);
  const logger = new Logger((r) => message(typeof r.fields.component === 'string' ? r.fields.component : 'job', readableLine(r, { time: false })), o.logLevel);
  setThreadLogger(logger);
  // Creates the job's topics (its display reads the output topic); its errors as they are: one that
  // cannot listen names --metrics-port itself.
  let onViewUpdate = (): void => undefined;
  const http = await startRunnerHttp({ def, options, job: buildJob(def, jobOptions), kafka, groupId, parallelism: 1, host: '127.0.0.1', port: o.metricsPort, stop, onViewUpdate: () => onViewUpdate(), logger });
  started.push({ what: 'the HTTP server', stop: http.close });
  const screen = new DemoScreen({
    title: `Eddy demo — ${def.name} (window ${formatDuration(o.window)} sliding ${formatDuration(o.slide)}, top ${o.top}, ${Math.round(o.rate * 60)} events/min)`,
    url: http.url, views: http.views, status: () => http.monitor.status(), tty,
    write: (text) => process.stdout.write(text), writeError: (line) => console.error(line),
  });
  message = (from, line) => screen.message(from, line);
  started.push({ what: 'the screen', stop: async () => screen.stop() });
  const display = def.display;
  screen.show(() => display(options, { latest: http.latest }));
  onViewUpdate = () => screen.changed();
  if (signal.aborted) return 0;

  const stateDir = mkdtempSync(join(tmpdir(), 'eddy-demo-'));
  started.push({ what: 'the state folder', stop: async () => rmSync(stateDir, { recursive: true, force: true }) });
  const generator = runGenerator(GeneratorOptionsSchema.parse({ brokers, rate: `${o.rate}/s` }), {
    signal, onProgress: (p) => screen.progress(p), log: (line) => screen.message('generator', line),
  });
  const job = runRunner({
    jobModule: jobModulePath('content-popularity'), jobOptions, kafka, groupId, monitor: http.monitor, stateDir, stateBackend: 'rocksdb',
    bounded: false, commitIntervalMs: 1_000, sessionTimeoutMs: 10_000, parallelism: 1, signal, logger,
  });
  // Either one ending (a failure, as neither ends by itself) stops the other.
  const ended = await Promise.race([generator.then(() => 'the generator', () => 'the generator'), job.then(() => 'the job', () => 'the job')]);
  const byUser = signal.aborted;
  stop();
  const [g, j] = await Promise.allSettled([generator, job]);
  for (const [what, r] of [['the generator', g], ['the job', j]] as const) {
    if (r.status === 'rejected') console.error(`eddy demo: ${what} failed: ${(r.reason as Error).message}`);
  }
  if (byUser && g.status === 'fulfilled' && j.status === 'fulfilled') return 0;
  if (!byUser) console.error(`eddy demo: ${ended} stopped; stopping the demo`);
  return 1;
}

export const demoCommand: Command = {
  name: 'demo',
  summary: 'run the content-popularity demo: broker, generator, job, live top-K',
  usage,
  flags,
  async run(argv) {
    const { options, help } = parseCommand(argv, flags, Options, { command: 'demo' });
    if (help) {
      process.stdout.write(usage);
      return 0;
    }
    const abort = new AbortController();
    const stop = (): void => abort.abort();
    // A second Ctrl-C must not leave the broker running: stopping goes on.
    const onSignal = (): void => {
      if (abort.signal.aborted) console.error('eddy demo: stopping what the demo started…');
      stop();
    };
    // An error nothing awaits (a closed stdout, say) would end the process with the broker running.
    let crashed = false;
    const onCrash = (e: unknown): void => {
      crashed = true;
      console.error(`eddy demo: ${e instanceof Error ? e.message : String(e)}; stopping the demo`);
      stop();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    process.on('uncaughtException', onCrash);
    process.on('unhandledRejection', onCrash);
    const started: Started = [];
    try {
      const code = await demo(options, abort.signal, stop, started);
      return crashed ? 1 : code;
    } finally {
      stop();
      for (const s of started.reverse()) await s.stop().catch((e: Error) => console.error(`eddy demo: stopping ${s.what}: ${e.message}`));
      for (const [event, handler] of [['SIGINT', onSignal], ['SIGTERM', onSignal], ['uncaughtException', onCrash], ['unhandledRejection', onCrash]] as const) process.off(event, handler);
    }
  },
};
