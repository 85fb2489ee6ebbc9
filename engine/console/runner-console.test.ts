/**
 * The runner's console routes over real HTTP, with stand-ins for the runner's parts: the settings,
 * the plan, query validation naming the field, the newest dead letters, the view's server push
 * (snapshot, then the records that changed) and the live stream (history, then samples taken only
 * while someone listens), and the page and its modules.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PlanDescription } from '../graph/describe-plan.js';
import { ApiError, serveJson } from '../http/json-api.js';
import type { MemberMetricsJson } from '../metrics/runner-metrics.js';
import type { DeadLetterTail } from './dead-letter-tail.js';
import { LiveSampler } from './live-sampler.js';
import { runnerConsole } from './runner-console.js';
import { Feed } from './sse.js';
import { readEvents } from './testing/sse-client.js';

let collects = 0;
const sampler = new LiveSampler({ collect: async () => (collects++, [] as MemberMetricsJson[]), sinks: ['out'], intervalMs: 20 });
const feed = new Feed<unknown[]>();
const records = new Map<string, unknown>([['all', { category: 'all', windowEnd: 10 }]]);
const plan = { job: 'j', groupId: 'g', stages: [{ id: 's', reads: 'in', tasks: '1', nodes: ['s: source'], writes: [], changelog: 'c' }], internalTopics: [], graph: { job: 'j', maxParallelism: 1, nodes: [] } } as PlanDescription;
const deadLetters = { newest: (limit: number) => [{ reason: 'schema', limit }] } as unknown as DeadLetterTail;
const routes = runnerConsole({
  job: 'j', groupId: 'g', plan, sampler, actions: false,
  views: [{ name: 'trending', param: 'category', all: () => records, feed }],
  deadLetters: () => deadLetters,
  savepoints: () => [{ path: '/sp', tasks: 1, bytes: 2, createdAt: 3 }],
  processes: async () => 2,
});
let server: { url: string; close: () => Promise<void> };
beforeAll(async () => {
  server = await serveJson('127.0.0.1', 0, async (req, res) => {
    if (!(await routes(req, res, new URL(req.url ?? '/', 'http://x')))) throw new ApiError(404, 'not a console route');
  });
});
afterAll(() => server.close());

const get = async (path: string): Promise<{ status: number; body: unknown }> => {
  const res = await fetch(`${server.url}${path}`);
  return { status: res.status, body: res.headers.get('content-type')?.includes('json') ? await res.json() : await res.text() };
};

describe('runner console routes', () => {
  it('answers the settings, plan, savepoints, processes and dead letters', async () => {
    expect(await get('/v1/console')).toEqual({ status: 200, body: { mode: 'runner', job: 'j', groupId: 'g', views: [{ name: 'trending', param: 'category' }], actions: false } });
    expect((await get('/v1/plan')).body).toMatchObject({ job: 'j', stages: [{ id: 's' }] });
    expect((await get('/v1/savepoints')).body).toEqual({ savepoints: [{ path: '/sp', tasks: 1, bytes: 2, createdAt: 3 }] });
    expect((await get('/v1/processes')).body).toEqual({ processes: 2 });
    expect((await get('/v1/dead-letters?limit=5')).body).toEqual({ deadLetters: [{ reason: 'schema', limit: 5 }] });
    expect((await get('/v1/dead-letters')).body).toEqual({ deadLetters: [{ reason: 'schema', limit: 20 }] });
  });

  it('refuses bad query strings, naming the field', async () => {
    expect(await get('/v1/dead-letters?limit=500')).toMatchObject({ status: 400, body: { field: 'limit' } });
    expect(await get('/v1/plan?verbose=1')).toMatchObject({ status: 400, body: { field: 'verbose' } });
    expect(await get('/v1/trending/events?category=all')).toMatchObject({ status: 400, body: { field: 'category' } });
    expect((await get('/v1/nothing')).status).toBe(404);
  });

  it("pushes a view's snapshot, then the records that changed", async () => {
    const events = readEvents(`${server.url}/v1/trending/events`, 2, 5_000, () => setTimeout(() => feed.publish([{ category: 'movies', windowEnd: 20 }]), 100));
    expect(await events).toEqual([
      { event: 'snapshot', data: { all: { category: 'all', windowEnd: 10 } } },
      { event: 'update', data: [{ category: 'movies', windowEnd: 20 }] },
    ]);
  });

  it('streams live samples while someone listens, and stops sampling after', async () => {
    const [history, ...samples] = await readEvents(`${server.url}/v1/live`, 3);
    expect(history).toEqual({ event: 'history', data: [] });
    expect(samples.map((e) => e.event)).toEqual(['sample', 'sample']);
    expect(samples[0]!.data).toMatchObject({ recordsIn: 0, partitions: [] });
    await new Promise((r) => setTimeout(r, 100)); // the server notices the stream closed
    const after = collects;
    await new Promise((r) => setTimeout(r, 200));
    expect(collects).toBe(after);
    expect(sampler.history().length).toBeGreaterThanOrEqual(2);
  });

  it('serves the page, its modules, and nothing outside them', async () => {
    const root = await fetch(`${server.url}/`, { redirect: 'manual' });
    expect([root.status, root.headers.get('location')]).toEqual([302, '/ui/']);
    expect((await get('/ui/')).body).toMatch(/<script type="module" src="\/ui\/main.js">/);
    const main = await fetch(`${server.url}/ui/main.js`);
    expect([main.status, main.headers.get('content-type')]).toEqual([200, 'text/javascript; charset=utf-8']);
    expect((await get('/ui/..%2Fconsole-page.js')).status).toBe(404);
    expect((await get('/ui/missing.js')).status).toBe(404);
  });
});
