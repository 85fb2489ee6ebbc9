/**
 * The engines of the q5 benchmark as command lines: Eddy running bench/nexmark/q5-job.js, and Flink
 * SQL running q5.sql (bench/baselines/flink, `run --form q5`). Both read the same topic from the
 * start, write (window, auction, count) records exactly-once, and exit at the end of the input.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../harness/engines.js';

export interface Q5RunArgs {
  brokers: string;
  input: string;
  output: string;
  groupId: string;
  stateDir: string;
  checkpointIntervalMs: number;
}

export interface Q5Engine {
  name: string;
  argv(a: Q5RunArgs): string[];
  /** Builds the engine if it needs it; returns why it cannot run here, or undefined. */
  prepare(log: (line: string) => void): string | undefined;
}

const FLINK = join(ROOT, 'bench', 'baselines', 'flink');

const eddy: Q5Engine = {
  name: 'eddy',
  argv: (a) => [
    process.execPath, join(ROOT, 'dist', 'engine', 'cli', 'eddy.js'), 'run', join(ROOT, 'dist', 'bench', 'nexmark', 'q5-job.js'),
    '--brokers', a.brokers, '--input-topic', a.input, '--output-topic', a.output, '--group-id', a.groupId, '--state-dir', a.stateDir,
    '--checkpoint-interval', `${a.checkpointIntervalMs}ms`, '--parallelism', '2', '--metrics-port', '0', '--bounded',
  ],
  prepare: () => (existsSync(join(ROOT, 'dist', 'bench', 'nexmark', 'q5-job.js')) ? undefined : 'dist/ is missing: npm run build'),
};

const flinkSql: Q5Engine = {
  name: 'flink-sql',
  argv: (a) => [
    join(FLINK, 'run'), '--form', 'q5', '--brokers', a.brokers, '--input-topic', a.input, '--output-topic', a.output, '--group-id', a.groupId,
    '--state-dir', a.stateDir, '--checkpoint-interval-ms', String(a.checkpointIntervalMs), '--bounded',
  ],
  prepare(log) {
    log('building flink-sql (bench/baselines/flink/build)…');
    try {
      execFileSync(join(FLINK, 'build'), [], { stdio: ['ignore', 'inherit', 'pipe'] });
    } catch (e) {
      return `bench/baselines/flink/build failed: ${String((e as { stderr?: Buffer }).stderr ?? e).trim().slice(-400)}`;
    }
    // `run --form q5` starts eddy.bench.flink.NexmarkQ5Job: is it in the script and in the jar (whose
    // zip directory names its classes in plain text)?
    const jar = join(FLINK, 'target', 'flink-content-popularity.jar');
    const hasForm = /\bq5\)/.test(readFileSync(join(FLINK, 'run'), 'utf8'));
    const hasClass = existsSync(jar) && readFileSync(jar).includes('eddy/bench/flink/NexmarkQ5Job.class');
    return hasForm && hasClass ? undefined : `bench/baselines/flink/run has no --form q5 yet (${hasForm ? 'NexmarkQ5Job is not in the jar' : 'the run script does not know q5'})`;
  },
};

/** Every engine the q5 benchmark knows, by name. */
export const Q5_ENGINES: readonly Q5Engine[] = [eddy, flinkSql];
