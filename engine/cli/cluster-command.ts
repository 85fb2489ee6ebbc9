/**
 * `eddy cluster start`: the job manager, in the foreground. It serves the REST API (see
 * engine/cluster/cluster-server.ts), runs each submitted job as an `eddy run` child process, and on
 * SIGTERM/SIGINT stops its jobs gracefully before it exits.
 */
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import * as z from 'zod';
import { DEFAULT_BROKERS } from '../../connectors/kafka/config.js';
import type { JobDefinition } from '../api/job-definition.js';
import { startClusterServer } from '../cluster/cluster-server.js';
import { clusterHome, defaultTokenPath, loadOrCreateToken } from '../cluster/cluster-token.js';
import { JobManager } from '../cluster/job-manager.js';
import { numberFlag } from '../config/units.js';
import { Logger, LogLevelSchema } from '../log/logger.js';
import { setThreadLogger } from '../log/thread-logger.js';
import type { Command } from './command.js';
import { closest } from './did-you-mean.js';
import { CliError, parseCommand } from './flags.js';
import { jobNames, resolveJob } from './job-registry.js';

const usage = `Usage: eddy cluster start [options]

Starts the job manager in the foreground: a REST API (/v1/jobs...) that submits, lists, stops,
cancels and savepoints jobs, each run as an 'eddy run' child process. GETs are open; POSTs need
'Authorization: Bearer <token>'. Ctrl-C or SIGTERM stops every job gracefully, then exits.

Options:
  --host HOST          address to bind (default 127.0.0.1; anything else exposes the API, without TLS)
  --port N             port (default 8081; 0 = any free port)
  --token-file PATH    the bearer token; generated there (mode 0600) if missing
                       (default ${defaultTokenPath()})
  --jobs LIST          the jobs clients may submit, comma-separated (default: all of 'eddy jobs')
  --state-root DIR     where each job's folder (options, log, state, savepoints) goes
                       (default ${clusterHome()})
  --brokers LIST       Kafka brokers for jobs that do not name theirs (default ${DEFAULT_BROKERS})
  --log-level L        error, warn, info (default) or debug, for the job manager's log and its jobs'
                       runners (JSON lines unless stderr is a terminal; docs/logging.md)
`;

const Options = z.strictObject({
  host: z.string().min(1).default('127.0.0.1'),
  port: numberFlag((n) => n.int().min(0).max(65_535)).default(8081),
  tokenFile: z.string().min(1).optional(),
  jobs: z.string().min(1).optional(),
  stateRoot: z.string().min(1).optional(),
  brokers: z.string().min(1).default(DEFAULT_BROKERS),
  logLevel: LogLevelSchema.default('info'),
});

const flags = {
  host: { type: 'string' },
  port: { type: 'string' },
  'token-file': { type: 'string' },
  jobs: { type: 'string' },
  'state-root': { type: 'string' },
  brokers: { type: 'string' },
  'log-level': { type: 'string' },
} as const;

export const clusterCommand: Command = {
  name: 'cluster',
  summary: 'start the job manager (REST API on :8081) that runs submitted jobs',
  usage,
  flags,
  async run(argv) {
    const [action, ...rest] = argv;
    if (action === undefined || action === '--help' || action === '-h') {
      process.stdout.write(usage);
      return action === undefined ? 2 : 0;
    }
    if (action !== 'start') throw new CliError(`unknown action '${action}'${closest(action, ['start']) ? ": did you mean 'start'?" : ''} (expected 'eddy cluster start')`);
    const { options, help } = parseCommand(rest, flags, Options, { command: 'cluster' });
    if (help) {
      process.stdout.write(usage);
      return 0;
    }
    const logger = Logger.create({ level: options.logLevel });
    setThreadLogger(logger);
    const jobs = await loadJobs(options.jobs);
    const tokenFile = resolve(options.tokenFile ?? defaultTokenPath());
    let token: { token: string; created: boolean };
    try {
      token = loadOrCreateToken(tokenFile);
    } catch (e) {
      throw new CliError(`--token-file: ${(e as Error).message}`);
    }
    const stateRoot = resolve(options.stateRoot ?? clusterHome());
    mkdirSync(stateRoot, { recursive: true, mode: 0o700 });
    const manager = new JobManager({ jobs, stateRoot, brokers: options.brokers, logLevel: options.logLevel });
    const server = await startClusterServer({ host: options.host, port: options.port, manager, token: token.token }).catch((e: Error) => {
      throw new CliError(`--port: cannot listen on ${options.host}:${options.port} (${e.message}): choose another --port (0 = any free port)`);
    });
    if (token.created) logger.info(`a new token was written to ${tokenFile} (mode 0600)`);
    if (!['127.0.0.1', 'localhost', '::1'].includes(options.host)) logger.warn(`--host ${options.host} exposes the API beyond this machine, without TLS; GETs need no token`);
    logger.info(`job manager at ${server.url} (jobs: ${[...jobs.keys()].join(', ')}; token file ${tokenFile}; state ${stateRoot})`, { url: server.url });

    await new Promise<void>((done) => {
      const onSignal = (signal: string): void => {
        logger.info(`${signal}: stopping ${manager.live().length} job(s) gracefully (again to exit at once)`);
        process.once('SIGINT', forced);
        process.once('SIGTERM', forced);
        done();
      };
      const forced = (): void => {
        const pids = manager.live().map((j) => j.pid);
        logger.warn(`exiting now; still running: ${pids.length > 0 ? `pid ${pids.join(', ')}` : 'nothing'}`);
        process.exit(1);
      };
      process.once('SIGINT', () => onSignal('SIGINT'));
      process.once('SIGTERM', () => onSignal('SIGTERM'));
    });
    await manager.shutdown();
    await server.close();
    logger.info('job manager stopped');
    return 0;
  },
};

/** The jobs named by --jobs (default all), each loaded once: submits are checked against their schemas. */
async function loadJobs(list: string | undefined): Promise<Map<string, JobDefinition>> {
  const available = jobNames();
  const names = list === undefined ? available : list.split(',').map((s) => s.trim()).filter((s) => s !== '');
  const unknown = names.find((n) => !available.includes(n));
  if (unknown !== undefined) throw new CliError(`--jobs: unknown job '${unknown}' (available: ${available.join(', ') || 'none'}); only jobs from 'eddy jobs' can be served`);
  if (names.length === 0) throw new CliError('--jobs: no job to serve');
  const jobs = new Map<string, JobDefinition>();
  for (const name of names) jobs.set(name, (await resolveJob(name)).def);
  return jobs;
}
