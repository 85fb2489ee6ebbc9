/**
 * Both HTTP servers on free ports, as their processes wire them (the runner's with its console
 * routes; the job manager's with its console) but over stand-ins: no Kafka, no child processes.
 * The job manager holds one running job, `job1`, whose runner is the runner server started here,
 * so the routes it passes through (event streams included) answer as they would.
 */
import { tmpdir } from 'node:os';
import * as z from 'zod';
import type { JobDefinition } from '../../api/job-definition.js';
import type { SavepointManifest } from '../../checkpoint/savepoint.js';
import { startClusterServer } from '../../cluster/cluster-server.js';
import type { JobManager } from '../../cluster/job-manager.js';
import type { PlanDescription } from '../../graph/describe-plan.js';
import { LiveSampler } from '../../console/live-sampler.js';
import { runnerConsole } from '../../console/runner-console.js';
import { Feed } from '../../console/sse.js';
import { RunnerMonitor } from '../../runtime/runner-monitor.js';
import { startRunnerServer } from '../../runtime/runner-server.js';
import type { LatestView, ViewSpec } from '../../views/latest-view.js';
import { ApiError } from '../json-api.js';

export const TOKEN = 'openapi-test-token-0123456789';
export const JOB_ID = 'job1';

export async function startApiServers(): Promise<{ runner: string; jobManager: string; close: () => Promise<void> }> {
  const records = new Map<string, unknown>([['all', { category: 'all', windowEnd: 10 }]]);
  const plan = { job: 'j', groupId: 'g', stages: [], internalTopics: [], graph: { job: 'j', maxParallelism: 1, nodes: [] } } as unknown as PlanDescription;
  const routes = runnerConsole({
    job: 'j',
    groupId: 'g',
    plan,
    sampler: new LiveSampler({ collect: async () => [], sinks: [], intervalMs: 50 }),
    views: [{ name: 'trending', param: 'category', all: () => records, feed: new Feed<unknown[]>() }],
    deadLetters: () => undefined,
    savepoints: () => [],
    processes: async () => 1,
    actions: true,
  });
  const runner = await startRunnerServer({
    host: '127.0.0.1',
    port: 0,
    monitor: new RunnerMonitor({ job: 'j', groupId: 'g', parallelism: 1 }),
    views: [{ spec: { name: 'trending', param: 'category' } as ViewSpec, view: { all: () => records, latest: (k: string) => records.get(k) } as unknown as LatestView<unknown> }],
    stop: () => undefined,
    savepoint: async () => ({ tasks: [], createdAt: 1 }) as unknown as SavepointManifest,
    token: TOKEN,
    console: routes,
  });
  const job = {
    id: JOB_ID,
    state: 'running',
    terminal: false,
    logFile: '/tmp/job1.log',
    cancel: () => undefined,
    stop: async () => ({}),
    savepoint: async (path: string) => ({ path, tasks: 0, bytes: 0, createdAt: 1 }),
    async runner(path: string): Promise<unknown> {
      const res = await fetch(`${runner.url}${path}`);
      const body = (await res.json()) as { error?: string };
      if (!res.ok) throw new ApiError(res.status, `runner: ${body.error}`);
      return body;
    },
    toJSON: () => ({ id: JOB_ID, job: 'j', state: 'running', url: runner.url }),
  };
  const def = { name: 'j', description: 'a job', options: z.strictObject({}) } as unknown as JobDefinition;
  const manager = {
    o: { jobs: new Map([['j', def]]), stateRoot: tmpdir() },
    list: () => [],
    load: async () => undefined,
    submit: () => job,
    get: (id: string) => {
      if (id !== JOB_ID) throw new ApiError(404, `no job '${id}'`);
      return job;
    },
    status: async () => job.toJSON(),
    views: () => [{ name: 'trending', param: 'category' }],
  } as unknown as JobManager;
  const jobManager = await startClusterServer({ host: '127.0.0.1', port: 0, manager, token: TOKEN });
  return {
    runner: runner.url,
    jobManager: jobManager.url,
    close: async () => {
      await jobManager.close();
      await runner.close();
    },
  };
}

export interface Answer {
  status: number;
  /** The media type, without parameters. */
  type: string;
  error?: string;
}

/**
 * One request with the token; an event stream is closed once its headers arrived.
 *
 * @example
 * await probe(url, 'GET', '/v1/live'); // { status: 200, type: 'text/event-stream' }
 */
export async function probe(base: string, method: string, path: string, body: unknown = {}): Promise<Answer> {
  const abort = new AbortController();
  const res = await fetch(`${base}${path}`, {
    method: method.toUpperCase(),
    headers: { authorization: `Bearer ${TOKEN}` },
    redirect: 'manual',
    signal: abort.signal,
    ...(method.toUpperCase() === 'GET' ? {} : { body: JSON.stringify(body) }),
  });
  const type = res.headers.get('content-type')?.split(';')[0]?.trim() ?? '';
  if (type === 'text/event-stream') abort.abort();
  const parsed = type === 'application/json' ? ((await res.json()) as { error?: string }) : (type === 'text/event-stream' ? undefined : await res.text(), {});
  return { status: res.status, type, ...(typeof parsed.error === 'string' ? { error: parsed.error } : {}) };
}

/**
 * The server's own answer to a request no route takes: 404 "no route …", or 405; or 404 "no job"
 * (the job manager looks the id up before the route, and a probe's path may have a word for an id).
 */
export function isRouteMiss(a: Answer): boolean {
  return a.status === 405 || (a.status === 404 && /^no (route|job) /.test(a.error ?? ''));
}
