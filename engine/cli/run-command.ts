import { resolve } from 'node:path';
import * as z from 'zod';
import { DEFAULT_BROKERS, KafkaClientOptionsSchema, kafkaClientOptions, type KafkaClientOptions } from '../../connectors/kafka/config.js';
import { KafkaAdmin } from '../../connectors/kafka/admin.js';
import { ConfluentSetupError, ensureConfluentClient } from '../../connectors/kafka/confluent-client.js';
import type { BuiltJob } from '../api/job-builder.js';
import { buildJob } from '../api/job-definition.js';
import { readManifest, type SavepointTask } from '../checkpoint/savepoint.js';
import { ensureJobTopics } from '../runtime/job-topics.js';
import { durationMs, numberFlag } from '../config/units.js';
import { Logger, LogLevelSchema } from '../log/logger.js';
import { setThreadLogger } from '../log/thread-logger.js';
import { startRunnerHttp } from '../runtime/runner-http.js';
import { describeStop } from '../runtime/restart-policy.js';
import { DEFAULT_RESTART_LIMIT, runRunner } from '../runtime/runner.js';
import type { Command } from './command.js';
import { boundedProgress, type BoundedProgress } from './bounded-progress.js';
import { CliError, issueError, parseCommand, type FlagSpec } from './flags.js';
import { jobFlagSpec, jobOptionsHelp } from './job-flags.js';
import { resolveJob } from './job-registry.js';
import { runnerStateDir } from './runner-state-dir.js';

const RunnerOptions = z.object({
  brokers: z.string().default(DEFAULT_BROKERS),
  kafka: KafkaClientOptionsSchema.omit({ brokers: true }).partial().default({}),
  parallelism: numberFlag((n) => n.int().min(1).max(128)).default(1),
  stateDir: z.string().optional(),
  stateBackend: z.enum(['rocksdb', 'memory']).default('rocksdb'),
  groupId: z.string().min(1).optional(),
  bounded: z.boolean().default(false),
  restartLimit: numberFlag((n) => n.int().min(1).max(1_000)).default(DEFAULT_RESTART_LIMIT),
  checkpointInterval: durationMs.prefault('5s'),
  sessionTimeout: durationMs.prefault('30s'),
  // A fetch waits for 64 KiB or 100 ms: a trickle is read ten times a second, not whenever a record
  // comes (bench/results/eddy-profile.md, "Low rate and recovery").
  fetchMaxWait: durationMs.prefault('100ms'),
  fetchMinBytes: numberFlag((n) => n.int().min(1)).default(65_536),
  inputClient: z.enum(['kafkajs', 'confluent']).default('kafkajs'),
  memberThread: z.enum(['worker', 'main']).optional(),
  metricsPort: numberFlag((n) => n.int().min(0).max(65_535)).default(9464),
  httpHost: z.string().min(1).default('127.0.0.1'),
  fromSavepoint: z.string().min(1).optional(),
  processingGuarantee: z.enum(['exactly-once', 'at-least-once']).default('exactly-once'),
  maxRecordBytes: numberFlag((n) => n.int().min(1_024).max(1_073_741_824)).default(1_048_576),
  maxFutureSkew: durationMs.prefault('1h'),
  maxGroups: numberFlag((n) => n.int().min(1).max(100_000)).default(1_000),
  logLevel: LogLevelSchema.default('info'),
});
const RUNNER_KEYS = new Set(Object.keys(RunnerOptions.shape));

const runnerFlags: FlagSpec = {
  brokers: { type: 'string' },
  parallelism: { type: 'string' },
  'state-dir': { type: 'string' },
  'state-backend': { type: 'string' },
  'group-id': { type: 'string' },
  bounded: { type: 'boolean' },
  'restart-limit': { type: 'string' },
  'checkpoint-interval': { type: 'string' },
  'session-timeout': { type: 'string' },
  'fetch-max-wait': { type: 'string' },
  'fetch-min-bytes': { type: 'string' },
  'input-client': { type: 'string' },
  'member-thread': { type: 'string' },
  'metrics-port': { type: 'string' },
  'http-host': { type: 'string' },
  'from-savepoint': { type: 'string' },
  'processing-guarantee': { type: 'string' },
  'max-record-bytes': { type: 'string' },
  'max-future-skew': { type: 'string' },
  'max-groups': { type: 'string' },
  'log-level': { type: 'string' },
};

const usage = (jobHelp = '  (run `eddy run <job> --help` for the job\'s options)'): string => `Usage: eddy run <job> [options]

Runs a job in the foreground against Kafka. <job> is a name from 'eddy jobs' or a path to a job module.

Runner options:
  --brokers LIST         Kafka bootstrap servers (default ${DEFAULT_BROKERS})
  --parallelism N        worker threads in this process, each a consumer-group member (default 1)
  --state-backend KIND   rocksdb (default) or memory
  --state-dir DIR        where RocksDB state lives, one runner per folder (default:
                         $EDDY_HOME/state/<group-id>, EDDY_HOME being ~/.eddy unless set)
  --group-id ID          consumer group (default: the job's name)
  --bounded              read every input partition to its end offset at start, fire all windows, exit 0
  --restart-limit N      a member that fails N times at the same input position (a crash loop) is not
                         restarted: a bounded run then exits 1 naming it; an unbounded one goes on
                         without it and reports it on /readyz and /v1/status (default ${DEFAULT_RESTART_LIMIT})
  --checkpoint-interval D  how often each task commits its Kafka transaction (default 5s)
  --processing-guarantee G  exactly-once (default) or at-least-once: outputs written at once, outside
                         the transactions (a crash can repeat some); state stays exact
  --session-timeout D    how soon the group notices a dead process (default 30s; broker minimum 1s)
  --fetch-min-bytes N    the broker answers an input fetch once N bytes are there (default 65536) …
  --fetch-max-wait D     … or after D (default 100ms) near a window close, 500ms between closes: a
                         trickle is read ten times a second, for up to D more delay; 1 and 500ms
                         (Kafka's) read each record as it comes, for twice the CPU at 20,000 events/min
                         (docs/cli.md)
  --input-client C       kafkajs (default) or confluent: read the input with librdkafka instead, for
                         comparison (installed on first use; runs on the main thread; docs/benchmarks.md)
  --member-thread T      worker (default; main with --input-client confluent): where the member runs;
                         main (with --parallelism 1) spares a thread, but the HTTP server then waits
                         on the member's work
  --metrics-port N       HTTP port for /metrics, /v1/status, /v1/checkpoints and the job's views such as
                         /v1/trending (default 9464; 0 = any free port)
  --http-host HOST       address the HTTP server binds (default 127.0.0.1)
  --from-savepoint DIR   start from a savepoint (taken at any parallelism) into a group without
                         progress; a savepoint of a different job graph is refused
  --max-record-bytes N   input records (key, value and headers) over N bytes go to the dead-letter topic
                         undecoded, reason size (default 1048576)
  --max-future-skew D    event times more than D ahead of their record's Kafka timestamp go to the
                         dead-letter topic, reason time (default 1h; 0 = not checked)
  --max-groups N         top-K groups (e.g. categories) ranked per window; the rest are left out and
                         counted, the overall ranking still counts them (default 1000)
  --log-level L          error, warn, info (default) or debug: the runner's, its members' and kafkajs's
                         log on stderr, JSON lines unless stderr is a terminal (docs/logging.md)
  --config FILE          JSON file with any option (camelCase keys)
  -D key=value           any option, including Kafka client settings: -D kafka.client-id=x
Each flag, job options too, can also be set by EDDY_RUN_<FLAG> (EDDY_BROKERS for --brokers):
flags > variables > -D > --config. SIGTERM or SIGINT stops gracefully, then exits 0.

Job options:
${jobHelp}
`;

export const runCommand: Command = {
  name: 'run',
  summary: 'run a job in the foreground (--bounded: to the end of the input, then exit)',
  usage: usage(),
  flags: runnerFlags,
  async run(argv) {
    const [name, ...rest] = argv;
    if (name === undefined || name === '--help' || name === '-h') {
      process.stdout.write(usage());
      return name === undefined ? 2 : 0;
    }
    const { path, def } = await resolveJob(name);
    const schema = z.object({ ...RunnerOptions.shape }).catchall(z.unknown());
    const { options, help, where } = parseCommand(rest, { ...runnerFlags, ...jobFlagSpec(def.options) }, schema, { command: 'run' });
    if (help) {
      process.stdout.write(usage(jobOptionsHelp(def.options)));
      return 0;
    }
    const jobInput = Object.fromEntries(Object.entries(options).filter(([k]) => !RUNNER_KEYS.has(k)));
    const parsedJob = def.options.safeParse(jobInput);
    if (!parsedJob.success) throw issueError(parsedJob.error, where);
    // Its addon calls back into the main thread's event loop only (connectors/kafka/confluent-client.ts).
    const memberThread = options.memberThread ?? (options.inputClient === 'confluent' ? 'main' : 'worker');
    if (options.inputClient === 'confluent' && memberThread !== 'main') throw new CliError('--member-thread: --input-client confluent runs its member on the main thread');
    if (memberThread === 'main' && options.parallelism !== 1) throw new CliError('--member-thread: main runs one member: --parallelism 1 only');
    const built = buildJob(def, jobInput); // validates the graph here, before any thread starts
    const abort = new AbortController();
    const stop = (): void => abort.abort();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    let progress: BoundedProgress | undefined;
    // Everything this process logs, kafkajs included; above a bounded run's progress line while it shows.
    const stderr = { isTTY: process.stderr.isTTY, write: (text: string) => (progress ? progress.log(text.trimEnd()) : process.stderr.write(text)) };
    const logger = Logger.create({ level: options.logLevel }, stderr).child({ job: def.name });
    setThreadLogger(logger);
    const groupId = options.groupId ?? def.name;
    const kafka = kafkaClientOptions({ ...options.kafka, brokers: options.brokers, clientId: options.kafka.clientId ?? `eddy-${def.name}` });
    const token = process.env.EDDY_API_TOKEN;
    const http = await startRunnerHttp({
      def, options: parsedJob.data, job: built, kafka, groupId, parallelism: options.parallelism, host: options.httpHost, port: options.metricsPort, maxGroups: options.maxGroups,
      stop, logger,
      ...(token ? { token } : {}),
    }).catch((e: Error) => {
      throw /^cannot listen/.test(e.message) ? new CliError(`--metrics-port: ${e.message}`) : e;
    });
    const { monitor } = http;
    try {
      const savepoint = options.fromSavepoint === undefined ? undefined : await savepointToRestore(options.fromSavepoint, built, kafka, groupId, logger);
      logger.info(`running ${def.name} (${path}) as group ${groupId}, parallelism ${options.parallelism}, ${options.stateBackend} state${options.bounded ? ', bounded' : ''}`);
      logger.info(`serving ${http.url} (metrics, status${http.views.map((v) => `, ${v}`).join('')})`, { url: http.url });
      // A job manager's runner (job-process.ts) tells it where it serves whatever the log level.
      process.send?.({ type: 'serving', url: http.url }, undefined, undefined, () => undefined);
      progress = options.bounded ? await boundedProgress({ admin: () => new KafkaAdmin(kafka), graph: built.graph, groupId, collect: () => monitor.collect() }) : undefined;
      const summary = await runRunner({
        jobModule: path,
        jobOptions: jobInput,
        kafka,
        monitor,
        groupId,
        parallelism: options.parallelism,
        memberThread,
        stateBackend: options.stateBackend,
        stateDir: runnerStateDir(options.stateDir, groupId),
        bounded: options.bounded,
        restartLimit: options.restartLimit,
        guarantee: options.processingGuarantee,
        limits: { maxRecordBytes: options.maxRecordBytes, maxFutureSkewMs: options.maxFutureSkew, maxGroups: options.maxGroups },
        commitIntervalMs: options.checkpointInterval,
        sessionTimeoutMs: options.sessionTimeout,
        inputFetch: { minBytes: options.fetchMinBytes, maxWaitTimeMs: options.fetchMaxWait },
        ...(options.inputClient === 'confluent' ? { inputClient: { kind: 'confluent' as const, dir: confluentClientDir(logger) } } : {}),
        signal: abort.signal,
        ...(savepoint ? { savepoint } : {}),
        logger,
      });
      progress?.stop();
      const [stopped] = summary.crashLoops;
      // Bounded, a member that is not restarted ends the run unfinished (the runner stopped the others).
      if (options.bounded && stopped) {
        monitor.state = 'failed';
        console.log(JSON.stringify({ ...summary, ended: 'failed' }));
        console.error(`eddy run: ${stopped.member}: ${describeStop(stopped)}`);
        return 1;
      }
      monitor.state = 'finished';
      // A clean end is exit 0, whether the input ended (bounded) or a stop was asked for (SIGTERM,
      // SIGINT, POST /v1/stop); `ended` tells them apart for whoever did not ask. A crash throws: exit 1.
      console.log(JSON.stringify({ ...summary, ended: options.bounded && !abort.signal.aborted ? 'finished' : 'stopped' }));
      return 0;
    } catch (e) {
      monitor.state = 'failed';
      throw e;
    } finally {
      progress?.stop();
      await http.close();
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    }
  },
};


/** Checks a savepoint against the job and its group; what the members restore from. */
async function savepointToRestore(dir: string, job: BuiltJob, kafka: KafkaClientOptions, groupId: string, logger: Logger): Promise<{ dir: string; tasks: SavepointTask[] }> {
  const { stages } = await ensureJobTopics(job, kafka, groupId);
  const manifest = await readManifest(resolve(dir), job.graph, stages.map((s) => ({ id: s.stage.id, topic: s.topic, partitions: s.partitions }))).catch((e: Error) => {
    throw new CliError(e.message);
  });
  const admin = new KafkaAdmin(kafka);
  await admin.connect();
  try {
    // A savepoint is a job's initial state, as in Flink: a task with committed progress (a runner
    // restarted with the same flags, or another runner of the job that restored first) resumes
    // from that progress; only tasks without take the savepoint's.
    for (const s of stages.filter((x) => x.source)) {
      const committed = await admin.committedOffsets(groupId, s.topic);
      if ([...committed.values()].some((o) => o >= 0n)) logger.warn(`group ${groupId} has committed progress on ${s.topic}: its tasks resume from it, the others from savepoint ${dir}`);
    }
  } finally {
    await admin.disconnect();
  }
  return { dir: resolve(dir), tasks: manifest.tasks };
}

/** The Confluent client's folder, installed there first if needed. */
function confluentClientDir(logger: Logger): string {
  try {
    return ensureConfluentClient({ log: (line) => logger.info(line) });
  } catch (e) {
    throw e instanceof ConfluentSetupError ? new CliError(`--input-client: ${e.message}`) : e;
  }
}
