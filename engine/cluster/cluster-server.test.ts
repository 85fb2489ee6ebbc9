/**
 * The job manager's REST API over real HTTP, with real child processes of a fake runner (see
 * testing/fake-runner.ts): authentication, validation errors that name the field, and the job
 * lifecycle (finished, failed, cancelled, stopped with a savepoint, stopped on shutdown).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import contentPopularity from '../../jobs/content-popularity/job.js';
import type { JobDefinition } from '../api/job-definition.js';
import { startClusterServer } from './cluster-server.js';
import { JobManager } from './job-manager.js';
import { writeFakeRunner } from './testing/fake-runner.js';

const TOKEN = 'unit-test-token-0123456789';
const stateRoot = mkdtempSync(join(tmpdir(), 'eddy-jm-'));
const manager = new JobManager({ jobs: new Map([['content-popularity', contentPopularity as unknown as JobDefinition]]), stateRoot, eddyScript: writeFakeRunner(), logLevel: 'debug' });
let server: { url: string; close: () => Promise<void> };
beforeAll(async () => void (server = await startClusterServer({ host: '127.0.0.1', port: 0, manager, token: TOKEN })));
afterAll(async () => {
  await manager.shutdown();
  await server.close();
});

async function call(method: string, path: string, body?: unknown, token: string | null = TOKEN): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: token === null ? {} : { authorization: `Bearer ${token}` },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown>, headers: res.headers };
}

async function until(id: string, states: string[]): Promise<Record<string, unknown>> {
  // Generous: each job is a child Node process, slow to start on a busy machine.
  for (const deadline = Date.now() + 20_000; Date.now() < deadline; ) {
    const { body } = await call('GET', `/v1/jobs/${id}`);
    if (states.includes(body.state as string) && (body.state !== 'running' || body.url !== null)) return body;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`job ${id} never reached ${states.join('|')}`);
}

const submit = async (options: Record<string, unknown>): Promise<string> => {
  const res = await call('POST', '/v1/jobs', { job: 'content-popularity', options });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.id as string;
};

describe('job manager REST API', () => {
  it('needs the bearer token on every mutating call, and only there', async () => {
    expect((await call('GET', '/healthz', undefined, null)).body).toEqual({ status: 'ok' });
    expect((await call('GET', '/v1/jobs', undefined, null)).status).toBe(200);
    const none = await call('POST', '/v1/jobs', { job: 'content-popularity' }, null);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer');
    expect((await call('POST', '/v1/jobs', { job: 'content-popularity' }, 'wrong-token-0123456789')).status).toBe(401);
    expect((await call('POST', '/v1/no/such/route', {}, null)).status).toBe(401);
    expect((await call('DELETE', '/v1/jobs', undefined, null)).status).toBe(401);
    expect((await call('DELETE', '/v1/jobs')).status).toBe(405);
  });

  it('answers bad requests with 400 naming the field, and unknown jobs and ids', async () => {
    expect(await call('POST', '/v1/jobs', '{not json')).toMatchObject({ status: 400, body: { field: 'body' } });
    expect(await call('POST', '/v1/jobs', { job: 'spam' })).toMatchObject({ status: 400, body: { field: 'job' } });
    expect(await call('POST', '/v1/jobs', { job: 'content-popularity', options: { top: 0 } })).toMatchObject({ status: 400, body: { field: 'options.top' } });
    expect(await call('GET', '/v1/jobs?all=1')).toMatchObject({ status: 400, body: { field: 'all' } });
    expect(await call('GET', '/v1/jobs/0123456789abcdef')).toMatchObject({ status: 404, body: { error: expect.stringMatching(/^no job/) } });
    expect((await call('GET', '/v1/jobs')).body).toEqual({ jobs: [] }); // nothing refused was started
  });

  it('runs a job to the end, and reports a failed one with its reason', async () => {
    const done = await until(await submit({ bounded: true }), ['finished']);
    expect(done).toMatchObject({ exitCode: 0, summary: { records: 7 }, url: null, runner: null });
    const failed = await until(await submit({ top: '13' }), ['failed']);
    expect(failed).toMatchObject({ exitCode: 2, failure: 'eddy run: --top: unlucky' });
  });

  it('proxies the runner, takes savepoints and stops with one', async () => {
    const shell = { EDDY_TOKEN: 'a-client-token-of-this-shell', EDDY_RUN_TOP: '3', EDDY_BROKERS: 'elsewhere:9092' };
    Object.assign(process.env, shell);
    const id = await submit({});
    for (const k of Object.keys(shell)) delete process.env[k];
    const running = await until(id, ['running']);
    // The job manager's own token stays out, and so do variables that would override the job's
    // options; its log level goes to the runner.
    expect(running.runner).toEqual({ state: 'running', clientToken: null, flagVariables: [], logLevel: 'debug' });
    expect((await call('GET', `/v1/jobs/${id}/checkpoints`)).body).toEqual({ checkpoints: [{ id: 1, outcome: 'completed' }] });
    expect(await call('GET', `/v1/jobs/${id}/trending?category=all`)).toMatchObject({ status: 200, body: { category: 'all' } });
    expect(await call('GET', `/v1/jobs/${id}/trending?category=kids`)).toMatchObject({ status: 404, body: { error: expect.stringMatching(/^runner: no trending/) } });
    expect(await call('GET', `/v1/jobs/${id}/trending?categry=all`)).toMatchObject({ status: 400, body: { field: 'categry' } });
    const auto = await call('POST', `/v1/jobs/${id}/savepoints`, {});
    expect(auto.body.path).toMatch(new RegExp(`^${stateRoot}/jobs/${id}/savepoints/savepoint-\\d+$`));
    expect(await call('POST', `/v1/jobs/${id}/stop`, { savepointDirectory: 'rel' })).toMatchObject({ status: 400, body: { field: 'savepointDirectory' } });
    const stop = await call('POST', `/v1/jobs/${id}/stop`, { savepointDirectory: '/tmp/sp-1' });
    expect(stop).toMatchObject({ status: 202, body: { state: 'stopping', savepoint: { path: '/tmp/sp-1' } } });
    expect((await until(id, ['stopped'])).savepoints).toHaveLength(2);
    expect(await call('POST', `/v1/jobs/${id}/cancel`, {})).toMatchObject({ status: 409, body: { error: `job ${id} is stopped` } });
    expect(await call('GET', `/v1/jobs/${id}/checkpoints`)).toMatchObject({ status: 409 });
  });

  it('tells a stop it asked for from a crash by what it asked, and a stop it did not ask for by the summary', async () => {
    // The runner exits 0 after a clean stop: cancelled because a cancel was asked for, not finished.
    const asked = await submit({});
    await until(asked, ['running']);
    expect((await call('POST', `/v1/jobs/${asked}/cancel`, {})).status).toBe(202);
    expect(await until(asked, ['cancelled', 'failed', 'finished'])).toMatchObject({ state: 'cancelled', exitCode: 0, failure: null });
    // A crash while stopping is a failure, with the runner's reason, though the stop was asked for.
    const crashing = await submit({ top: '14' });
    await until(crashing, ['running']);
    expect((await call('POST', `/v1/jobs/${crashing}/cancel`, {})).status).toBe(202);
    expect(await until(crashing, ['cancelled', 'failed'])).toMatchObject({ state: 'failed', exitCode: 1, failure: 'eddy run: Error: the final commit failed' });
    // A SIGTERM from someone else: exit 0 too, and the summary says the run was stopped, not finished.
    const outside = await submit({});
    const { pid } = await until(outside, ['running']);
    process.kill(pid as number, 'SIGTERM');
    expect(await until(outside, ['stopped', 'finished', 'failed'])).toMatchObject({ state: 'stopped', exitCode: 0, summary: { ended: 'stopped' } });
  });

  it('cancels with SIGTERM, even right after submit, and stops running jobs on shutdown', async () => {
    const early = await submit({});
    expect((await call('POST', `/v1/jobs/${early}/cancel`, {})).status).toBe(202);
    expect((await until(early, ['cancelled'])).state).toBe('cancelled');
    const late = await submit({});
    await until(late, ['running']);
    await manager.shutdown();
    expect(manager.get(late).state).toBe('stopped');
    expect(manager.live()).toEqual([]);
  });
});
