/**
 * The job manager's console routes over real HTTP, with fake runner processes (no Kafka): the
 * console's settings with the jobs' option schemas, a job's views, the pass-through to its runner
 * (the runner's own error included), query validation naming the field, and the event streams of
 * an ended job refused.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import contentPopularity from '../../jobs/content-popularity/job.js';
import type { JobDefinition } from '../api/job-definition.js';
import { startClusterServer } from '../cluster/cluster-server.js';
import { JobManager } from '../cluster/job-manager.js';
import { writeFakeRunner } from '../cluster/testing/fake-runner.js';

const TOKEN = 'unit-test-token-0123456789';
const manager = new JobManager({ jobs: new Map([['content-popularity', contentPopularity as unknown as JobDefinition]]), stateRoot: mkdtempSync(join(tmpdir(), 'eddy-jm-console-')), eddyScript: writeFakeRunner() });
let server: { url: string; close: () => Promise<void> };
beforeAll(async () => void (server = await startClusterServer({ host: '127.0.0.1', port: 0, manager, token: TOKEN })));
afterAll(async () => {
  await manager.shutdown();
  await server.close();
});

const get = async (path: string): Promise<{ status: number; body: Record<string, unknown> }> => {
  const res = await fetch(`${server.url}${path}`);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

describe('job manager console routes', () => {
  it('describes the jobs it may submit, with their options as JSON Schema', async () => {
    const { status, body } = await get('/v1/console');
    expect(status).toBe(200);
    expect(body).toMatchObject({ mode: 'cluster', actions: true, jobs: [{ name: 'content-popularity', options: { type: 'object', properties: { window: { default: '10m' }, top: { type: 'integer' } } } }] });
    expect((await get('/v1/console?x=1')).body).toMatchObject({ field: 'x' });
  });

  it("lists a job's views, passes its runner's answers through, and refuses the streams of an ended job", async () => {
    const job = manager.submit({ job: 'content-popularity', options: { bounded: true } });
    expect(await get(`/v1/jobs/${job.id}/views`)).toEqual({ status: 200, body: { views: [{ name: 'trending', param: 'category' }] } });
    expect(await get(`/v1/jobs/${job.id}/dead-letters?limit=0`)).toMatchObject({ status: 400, body: { field: 'limit' } });
    expect((await get('/v1/jobs/nope/plan')).status).toBe(404);
    await job.exited;
    expect(await get(`/v1/jobs/${job.id}/live`)).toMatchObject({ status: 409, body: { error: expect.stringMatching(/is finished: its runner no longer serves \/v1\/live/) } });
    expect((await get(`/v1/jobs/${job.id}/trending/events`)).status).toBe(409);
    expect((await get(`/v1/jobs/${job.id}/plan`)).status).toBe(409);
  });

  it("answers with the runner's own error while it runs", async () => {
    const job = manager.submit({ job: 'content-popularity', options: {} });
    for (let i = 0; i < 200 && (job.toJSON() as { url: string | null }).url === null; i++) await new Promise((r) => setTimeout(r, 25));
    // The fake runner serves no plan (it asks for a token on what it does not know): its answer comes through.
    expect(await get(`/v1/jobs/${job.id}/plan`)).toMatchObject({ status: 401, body: { error: 'runner: missing or wrong bearer token' } });
    job.cancel();
    await job.exited;
  });
});
