/**
 * The job manager's client commands print one JSON document with --json, parsed here, against a job
 * manager running the fake runner (engine/cluster/testing/fake-runner.ts). The job manager's address
 * and token file come from the shared variables EDDY_URL and EDDY_TOKEN_FILE.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import contentPopularity from '../../jobs/content-popularity/job.js';
import type { JobDefinition } from '../api/job-definition.js';
import { startClusterServer } from '../cluster/cluster-server.js';
import { JobManager } from '../cluster/job-manager.js';
import { writeFakeRunner } from '../cluster/testing/fake-runner.js';
import { cancelCommand } from './cancel-command.js';
import type { Command } from './command.js';
import { listCommand } from './list-command.js';
import { savepointCommand } from './savepoint-command.js';
import { statusCommand } from './status-command.js';
import { stopCommand } from './stop-command.js';

const TOKEN = 'unit-test-token-0123456789';
const root = mkdtempSync(join(tmpdir(), 'eddy-client-json-'));
const tokenFile = join(root, 'token');
writeFileSync(tokenFile, TOKEN, { mode: 0o600 });
const manager = new JobManager({ jobs: new Map([['content-popularity', contentPopularity as unknown as JobDefinition]]), stateRoot: root, eddyScript: writeFakeRunner() });
let server: { url: string; close: () => Promise<void> };

beforeAll(async () => {
  server = await startClusterServer({ host: '127.0.0.1', port: 0, manager, token: TOKEN });
  Object.assign(process.env, { EDDY_URL: server.url, EDDY_TOKEN_FILE: tokenFile });
});
afterAll(async () => {
  delete process.env.EDDY_URL;
  delete process.env.EDDY_TOKEN_FILE;
  await manager.shutdown();
  await server.close();
});
afterEach(() => vi.restoreAllMocks());

/** Runs a command in this process; its stdout lines and exit code. */
async function cli(command: Command, argv: string[]): Promise<{ code: number; stdout: string }> {
  const out: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((line: string) => void out.push(line));
  vi.spyOn(console, 'error').mockImplementation(() => undefined);
  const code = await command.run(argv);
  vi.restoreAllMocks();
  return { code, stdout: out.join('\n') };
}

/** A running job of the fake runner, once it serves. */
async function runningJob(): Promise<string> {
  const job = manager.submit({ job: 'content-popularity', options: {} });
  for (const deadline = Date.now() + 20_000; job.toJSON().url === null && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 25));
  return job.id;
}

describe('--json of the client commands', () => {
  it('list, status, savepoint and stop print one JSON document each', async () => {
    const id = await runningJob();
    const list = JSON.parse((await cli(listCommand, ['--json'])).stdout) as { jobs: { id: string; state: string }[] };
    expect(list.jobs).toContainEqual(expect.objectContaining({ id, job: 'content-popularity', state: 'running' }));

    const status = JSON.parse((await cli(statusCommand, [id, '--json'])).stdout) as Record<string, unknown>;
    expect(status).toMatchObject({ id, state: 'running', exitCode: null, runner: { state: 'running' } });
    const text = (await cli(statusCommand, [id])).stdout;
    expect(text).toMatch(new RegExp(`^job +${id} \\(content-popularity\\)$`, 'm'));
    expect(text).toMatch(/^state +running$/m);

    const savepoint = JSON.parse((await cli(savepointCommand, [id, '--dir', join(root, 'sp-1'), '--json'])).stdout) as Record<string, unknown>;
    expect(savepoint).toEqual({ path: join(root, 'sp-1'), tasks: 1, bytes: 10, createdAt: 1 });

    const stop = await cli(stopCommand, [id, '--savepoint', join(root, 'sp-2'), '--json']);
    expect(stop.code).toBe(0);
    expect(JSON.parse(stop.stdout)).toEqual({ id, state: 'stopped', savepoint: { path: join(root, 'sp-2'), tasks: 1, bytes: 10, createdAt: 1 } });
  });

  it('cancel prints the final state, or the state then with --detached', async () => {
    const id = await runningJob();
    expect(JSON.parse((await cli(cancelCommand, [id, '--json'])).stdout)).toEqual({ id, state: 'cancelled' });
    const detached = await runningJob();
    expect(JSON.parse((await cli(cancelCommand, [detached, '--json', '--detached'])).stdout)).toEqual({ id: detached, state: 'cancelling' });
  });

  it('still takes the token itself from EDDY_TOKEN when no token file is named', async () => {
    const id = await runningJob();
    delete process.env.EDDY_TOKEN_FILE;
    process.env.EDDY_TOKEN = TOKEN;
    try {
      expect(JSON.parse((await cli(cancelCommand, [id, '--json'])).stdout)).toEqual({ id, state: 'cancelled' });
      process.env.EDDY_TOKEN = 'not-the-token-0123456789';
      expect((await cli(cancelCommand, [await runningJob()])).code).toBe(1); // refused: the variable is what was sent
    } finally {
      delete process.env.EDDY_TOKEN;
      process.env.EDDY_TOKEN_FILE = tokenFile;
    }
  });

  it('names the variable that set a bad value', async () => {
    process.env.EDDY_CANCEL_TIMEOUT = 'soon';
    try {
      await expect(cli(cancelCommand, ['0123456789abcdef'])).rejects.toThrow(/^EDDY_CANCEL_TIMEOUT: expected a duration/);
    } finally {
      delete process.env.EDDY_CANCEL_TIMEOUT;
    }
  });
});
