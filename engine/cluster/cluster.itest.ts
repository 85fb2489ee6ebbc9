/**
 * The job manager through the real CLI (`eddy cluster start`, `eddy submit|list|status|savepoint|
 * stop|cancel`) running real `eddy run` children against the broker: a bounded job runs to its end
 * and counts what the generator produced; a running job serves its trending view through the job
 * manager, takes a savepoint and stops with one; another is cancelled; the token is required; bad
 * options are refused naming the flag; SIGTERM stops the last job gracefully.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer, type AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { uniqueName, waitFor } from '../../connectors/kafka/testing/fixtures.js';
import { runEddy } from '../cli/testing/eddy-process.js';

const eddy = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist', 'engine', 'cli', 'eddy.js');
const root = mkdtempSync(join(tmpdir(), 'eddy-cluster-'));
const tokenFile = join(root, 'token');
let url = '';
let stderr = '';
let cluster: ReturnType<typeof spawn>;
let clusterExit: Promise<number | null>;

/** `eddy <command> <args> --url <job manager>` with the token file. */
const cli = (args: string[]): ReturnType<typeof runEddy> => runEddy([...args, '--url', url, '--token-file', tokenFile]);
const post = async (path: string, body: unknown, token?: string): Promise<{ status: number; body: Record<string, unknown> }> => {
  const res = await fetch(`${url}${path}`, { method: 'POST', body: JSON.stringify(body), headers: token === undefined ? {} : { authorization: `Bearer ${token}` } });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};
/** A port nothing listens on (just released by the OS). */
const closedPort = (): Promise<number> =>
  new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
const status = async (id: string): Promise<Record<string, unknown>> => JSON.parse((await cli(['status', id, '--json'])).stdout) as Record<string, unknown>;

beforeAll(async () => {
  cluster = spawn(process.execPath, [eddy, 'cluster', 'start', '--port', '0', '--token-file', tokenFile, '--state-root', root, '--jobs', 'content-popularity', '--brokers', inject('kafkaBrokers')], { stdio: ['ignore', 'ignore', 'pipe'] });
  cluster.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  clusterExit = new Promise((resolve) => cluster.on('close', resolve));
  await waitFor('the job manager', () => /job manager at (http:\S+)/.test(stderr), 30_000);
  url = /job manager at (http:\S+)/.exec(stderr)![1]!;
});
afterAll(() => {
  if (cluster.exitCode === null) cluster.kill('SIGKILL'); // only when a test failed before the SIGTERM test
});

describe('eddy cluster', () => {
  it('refuses calls without the token, unknown jobs and bad options', async () => {
    expect((await post('/v1/jobs', { job: 'content-popularity' })).status).toBe(401);
    expect((await post('/v1/jobs', { job: 'content-popularity' }, 'not-the-token-0123456789')).status).toBe(401);
    const token = readFileSync(tokenFile, 'utf8').trim();
    expect(await post('/v1/jobs', { job: 'spam' }, token)).toMatchObject({ status: 400, body: { field: 'job' } });
    expect(await post('/v1/jobs', { job: 'content-popularity', options: { top: 0 } }, token)).toMatchObject({ status: 400, body: { field: 'options.top' } });
    const flag = await cli(['submit', 'content-popularity', '--window', 'often']);
    expect(flag.code).toBe(2);
    expect(flag.stderr.trim()).toMatch(/^eddy submit: --window: expected a duration/);
    // A path is a job module on the job manager's host: one that does not exist is refused, naming it.
    expect((await cli(['submit', './jobs/evil/job.js'])).stderr).toMatch(/^eddy submit: no job module at \/.*\/jobs\/evil\/job\.js$/m);
    const closed = await closedPort();
    const unreachable = await runEddy(['list', '--url', `http://127.0.0.1:${closed}`]);
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr.trim()).toBe(`eddy list: job manager not reachable at http://127.0.0.1:${closed} (ECONNREFUSED): start it with 'eddy cluster start'`);
  });

  it('runs jobs: bounded to the end, savepoint and stop with one, cancel, stop on SIGTERM', async () => {
    const input = uniqueName('jm-in');
    const gen = await runEddy(['generate', '--brokers', inject('kafkaBrokers'), '--topic', input, '--count', '2000', '--partitions', '2', '--seed', '5', '--start-time', '1763800000000']);
    expect(gen.code, gen.stderr).toBe(0);
    const job = ['content-popularity', '--input-topic', input, '--window', '10s', '--slide', '5s', '--out-of-orderness', '1s', '--idle-timeout', '0ms', '--checkpoint-interval', '300ms'];
    const submit = async (args: string[]): Promise<string> => {
      const r = await cli(['submit', ...job, '--group-id', uniqueName('jm-g'), '--output-topic', uniqueName('jm-out'), ...args]);
      expect(r.code, r.stderr).toBe(0);
      return r.stdout.trim();
    };

    const boundedSubmit = await cli(['submit', ...job, '--group-id', uniqueName('jm-g'), '--output-topic', uniqueName('jm-out'), '--bounded', '--json']);
    expect(boundedSubmit.code, boundedSubmit.stderr).toBe(0);
    const { id: bounded } = JSON.parse(boundedSubmit.stdout) as { id: string };
    await waitFor('the bounded job to finish', async () => (await status(bounded)).state === 'finished', 60_000);
    expect(await status(bounded)).toMatchObject({ exitCode: 0, summary: { records: 2000, ended: 'finished' } });

    const live = await submit([]);
    const cancelled = await submit([]);
    expect((await cli(['list'])).stdout).toMatch(new RegExp(`^${bounded}\\s+content-popularity\\s+finished`, 'm'));
    await waitFor('the trending view', async () => (await fetch(`${url}/v1/jobs/${live}/trending?category=all`)).status === 200, 60_000);
    const checkpoints = (await (await fetch(`${url}/v1/jobs/${live}/checkpoints`)).json()) as { checkpoints: unknown[] };
    expect(checkpoints.checkpoints.length).toBeGreaterThan(0);
    const savepoint = await cli(['savepoint', live]);
    expect(savepoint.code, savepoint.stderr).toBe(0);
    expect(existsSync(join(savepoint.stdout.trim(), 'manifest.json'))).toBe(true);
    const dir = join(root, 'final-savepoint');
    const stop = await cli(['stop', live, '--savepoint', dir]);
    expect(stop.code, stop.stderr).toBe(0);
    expect(stop.stdout).toBe(`savepoint ${dir}\nstopped\n`);
    expect((await status(live)).savepoints).toHaveLength(2);

    const cancel = await cli(['cancel', cancelled]);
    expect(cancel.code, cancel.stderr).toBe(0);
    expect(cancel.stdout.trim()).toBe('cancelled');

    const last = await submit([]);
    await waitFor('the last job to serve', async () => (await status(last)).url !== null, 60_000);
    const pid = (await status(last)).pid as number;
    cluster.kill('SIGTERM');
    expect(await clusterExit, stderr).toBe(0);
    expect(() => process.kill(pid, 0)).toThrow(); // the runner has exited too
    expect(readFileSync(join(root, 'jobs', last, 'job.log'), 'utf8')).toMatch(/job [0-9a-f]+ stopped \(exit code 0/);
  });
});
