/** Test helpers: the `eddy` CLI as a child process, through its real entry point (dist/, built by `npm test`). */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { splitStderr } from '../../log/testing/log-capture.js';

/** The CLI's entry point in dist/. */
export const EDDY_BIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'dist', 'engine', 'cli', 'eddy.js');

/** Runs `eddy <args>` to completion. */
export function runEddy(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  if (!existsSync(EDDY_BIN)) throw new Error(`${EDDY_BIN} is missing: run 'npm run build' (npm test does)`);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [EDDY_BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

export interface EddyProcess {
  exited: Promise<{ code: number | null; signal: string | null; stderr: string }>;
  /** Everything it wrote to stderr so far (`exited` has the last 3,000 characters). */
  stderr(): string;
  kill(): void;
}

/** Starts a bounded content-popularity run (1m windows sliding by 20s, top 5) on the given topics. */
export function startContentPopularity(o: { brokers: string; input: string; output: string; groupId: string; parallelism: number; sessionTimeout: string; stateDir?: string }): EddyProcess {
  return startBoundedRun('content-popularity', ['--input-topic', o.input, '--output-topic', o.output, '--window', '1m', '--slide', '20s', '--top', '5', '--out-of-orderness', '5s', '--idle-timeout', '0ms'], o);
}

/** Starts a bounded run of a job (by name or module path) with its own flags, as one runner process. */
export function startBoundedRun(job: string, jobArgs: readonly string[], o: { brokers: string; groupId: string; parallelism: number; sessionTimeout: string; stateDir?: string }): EddyProcess {
  const child = spawn(process.execPath, [
    EDDY_BIN, 'run', job, '--brokers', o.brokers, ...jobArgs, '--bounded',
    '--parallelism', String(o.parallelism), '--state-dir', o.stateDir ?? mkdtempSync(join(tmpdir(), 'eddy-proc-')), '--group-id', o.groupId,
    '--checkpoint-interval', '250ms', '--session-timeout', o.sessionTimeout, '--metrics-port', '0',
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return {
    exited: new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stderr: stderr.slice(-3_000) }))),
    stderr: () => stderr,
    kill: () => child.kill('SIGKILL'),
  };
}

/** The window settings `startContentPopularity` runs with, for the reference. */
export const WINDOW = { size: 60_000, slide: 20_000, k: 5 };

/**
 * A runner's HTTP address, from its `serving` log line (JSON: its stderr is a pipe).
 *
 * @example
 * await waitFor('the runner to serve', () => servingUrl(stderr) !== undefined, 60_000);
 */
export function servingUrl(stderr: string): string | undefined {
  const line = splitStderr(stderr).logs.find((l) => l.msg.startsWith('serving ') && typeof l.url === 'string');
  return line?.url as string | undefined;
}

export interface ServingEddy {
  /** The runner's HTTP address, once it logs its serving line. */
  url: Promise<string>;
  exitCode: Promise<number | null>;
  stderr(): string;
  kill(): void;
}

/** Starts `eddy <args>` (a runner with an HTTP server) in the background. */
export function startServingEddy(args: string[], env: Record<string, string> = {}): ServingEddy {
  const child = spawn(process.execPath, [EDDY_BIN, ...args], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...env } });
  let stderr = '';
  const exitCode = new Promise<number | null>((resolve) => child.on('close', resolve));
  const url = new Promise<string>((resolve, reject) => {
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      const url = servingUrl(stderr);
      if (url) resolve(url);
    });
    void exitCode.then((code) => reject(new Error(`eddy exited (${code}) before serving: ${stderr.slice(-1_000)}`)));
  });
  return { url, exitCode, stderr: () => stderr, kill: () => child.kill('SIGKILL') };
}
