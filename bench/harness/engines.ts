/**
 * The engines the benchmark runs, each as a command line following one contract (see
 * bench/baselines/README.md): the same input, output, group, state folder and job settings.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { WorkloadSpec } from './workload.js';

/** The repository root (this file runs from bench/ under vitest and from dist/bench/ when built). */
function findRoot(from: string): string {
  for (let dir = from; dir !== dirname(dir); dir = dirname(dir)) if (existsSync(join(dir, 'package.json'))) return dir;
  throw new Error(`no package.json above ${from}`);
}

/** The repository's root folder (engines run from its dist/). */
export const ROOT = findRoot(dirname(fileURLToPath(import.meta.url)));

export interface EngineRunArgs {
  brokers: string;
  input: string;
  output: string;
  groupId: string;
  stateDir: string;
  spec: WorkloadSpec;
  checkpointIntervalMs: number;
  /** Stop at the end of the input (engines without a bounded mode ignore it and are stopped by SIGTERM). */
  bounded: boolean;
  /** How soon the consumer group notices a dead process; the engine's default when undefined. */
  sessionTimeoutMs?: number;
  /**
   * The producers' transaction timeout, for engines whose default is shorter than the plain producer's
   * 60 s (Kafka Streams: 10 s under exactly-once); the engine's default when undefined.
   */
  transactionTimeoutMs?: number;
}

export interface Engine {
  name: string;
  /** Prepares the engine (compile, virtualenv); undefined when nothing is needed. */
  build?: string[];
  argv(a: EngineRunArgs): string[];
}

interface EddySettings {
  backend: 'rocksdb' | 'memory';
  parallelism: number;
  inputClient: 'kafkajs' | 'confluent';
  memberThread: 'worker' | 'main';
}

/** `eddy run` with the job's flags, `--parallelism`, and only the settings that differ from its defaults. */
const eddy = (name: string, s: EddySettings): Engine => ({
  name,
  // The Confluent client is installed before the runs, not during the first one (confluent-client.ts).
  ...(s.inputClient === 'confluent'
    ? { build: [process.execPath, '--input-type=module', '-e', `import(${JSON.stringify(pathToFileURL(join(ROOT, 'dist', 'connectors', 'kafka', 'confluent-client.js')).href)}).then((m) => m.ensureConfluentClient({ log: console.error }))`] }
    : {}),
  argv: (a) => [
    process.execPath, join(ROOT, 'dist', 'engine', 'cli', 'eddy.js'), 'run', 'content-popularity', '--brokers', a.brokers,
    '--input-topic', a.input, '--output-topic', a.output, '--group-id', a.groupId, '--state-dir', a.stateDir,
    '--window', `${a.spec.windowMs}ms`, '--slide', `${a.spec.slideMs}ms`, '--top', String(a.spec.top), '--out-of-orderness', `${a.spec.outOfOrdernessMs}ms`,
    '--parallelism', String(s.parallelism), '--metrics-port', '0',
    ...(a.checkpointIntervalMs === 5_000 ? [] : ['--checkpoint-interval', `${a.checkpointIntervalMs}ms`]),
    ...(s.backend === 'rocksdb' ? [] : ['--state-backend', s.backend]),
    ...(s.inputClient === 'kafkajs' ? [] : ['--input-client', s.inputClient]),
    ...(s.memberThread === 'worker' || s.inputClient === 'confluent' ? [] : ['--member-thread', s.memberThread]),
    ...(a.sessionTimeoutMs === undefined ? [] : ['--session-timeout', `${a.sessionTimeoutMs}ms`]), ...(a.bounded ? ['--bounded'] : []),
  ],
});

/**
 * A baseline of bench/baselines/<folder>; `form` picks one of its jobs (`run --form …`) where it has several;
 * `transactionTimeout`: its `run` takes `--transaction-timeout-ms`.
 */
const baseline = (name: string, folder = name, form?: string, transactionTimeout = false): Engine => {
  const dir = join(ROOT, 'bench', 'baselines', folder);
  return {
    name,
    build: [join(dir, 'build')],
    argv: (a) => [
      join(dir, 'run'), ...(form === undefined ? [] : ['--form', form]), '--brokers', a.brokers, '--input-topic', a.input, '--output-topic', a.output, '--group-id', a.groupId, '--state-dir', a.stateDir,
      '--window-ms', String(a.spec.windowMs), '--slide-ms', String(a.spec.slideMs), '--top', String(a.spec.top),
      '--out-of-orderness-ms', String(a.spec.outOfOrdernessMs), '--checkpoint-interval-ms', String(a.checkpointIntervalMs),
      ...(a.sessionTimeoutMs === undefined ? [] : ['--session-timeout-ms', String(a.sessionTimeoutMs)]),
      ...(transactionTimeout && a.transactionTimeoutMs !== undefined ? ['--transaction-timeout-ms', String(a.transactionTimeoutMs)] : []),
      ...(a.bounded ? ['--bounded'] : []),
    ],
  };
};

export const ENGINES: readonly Engine[] = [
  eddy('eddy', { backend: 'rocksdb', parallelism: 2, inputClient: 'kafkajs', memberThread: 'worker' }),
  eddy('eddy-memory', { backend: 'memory', parallelism: 2, inputClient: 'kafkajs', memberThread: 'worker' }),
  // The client comparison (docs/benchmarks.md, "Kafka clients"): one member each; the Confluent client's runs on the
  // main thread, which eddy-p1-main shows the cost of apart from the client.
  eddy('eddy-p1', { backend: 'rocksdb', parallelism: 1, inputClient: 'kafkajs', memberThread: 'worker' }),
  eddy('eddy-p1-main', { backend: 'rocksdb', parallelism: 1, inputClient: 'kafkajs', memberThread: 'main' }),
  eddy('eddy-confluent', { backend: 'rocksdb', parallelism: 1, inputClient: 'confluent', memberThread: 'main' }),
  // Flink as its users write this job: in SQL (window TVF + Window Top-N), in DataStream with
  // pre-aggregated slices and a local top-K, and the naive DataStream job (a sliding window per content id).
  baseline('flink-sql', 'flink', 'sql'),
  baseline('flink-tuned', 'flink', 'tuned'),
  baseline('flink-naive', 'flink', 'naive'),
  baseline('kafka-streams', 'kafka-streams', undefined, true),
  baseline('quix'),
];

/** Why an engine cannot run here, or undefined. */
export function missing(engine: Engine): string | undefined {
  if (engine.build && !existsSync(engine.build[0]!)) return `${engine.build[0]} does not exist`;
  if (engine.name.startsWith('eddy') && !existsSync(join(ROOT, 'dist', 'engine', 'cli', 'eddy.js'))) return 'dist/ is missing: npm run build';
  return undefined;
}

/**
 * The engines named on the command line, in the harness's order: an unknown name is refused, one that
 * cannot run here is left out with the reason logged, and each is built.
 *
 * @example
 * const engines = prepareEngines(['eddy', 'flink-sql'], console.log);
 */
export function prepareEngines(names: readonly string[], log: (line: string) => void): Engine[] {
  const unknown = names.filter((e) => !ENGINES.some((x) => x.name === e));
  if (unknown.length > 0) throw new Error(`--engines: unknown engine(s) ${unknown.join(', ')} (known: ${ENGINES.map((e) => e.name).join(', ')})`);
  const runnable = ENGINES.filter((e) => names.includes(e.name)).filter((e) => {
    const why = missing(e);
    if (why) log(`skipping ${e.name}: ${why}`);
    return !why;
  });
  for (const e of runnable) {
    if (!e.build) continue;
    log(`building ${e.name}…`);
    execFileSync(e.build[0]!, e.build.slice(1), { stdio: ['ignore', 'inherit', 'inherit'] });
  }
  return runnable;
}
