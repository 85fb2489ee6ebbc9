/**
 * What the job manager serves for its console, next to its REST API on the same port (GET only):
 * the page and its modules, the console's settings (the jobs it may submit, with their options as
 * JSON Schema), each job's views, and per job what its runner serves for the console, passed through: the stage plan,
 * live series (a sample, or the stream), its processes, the newest dead letters and each view's
 * updates as server-sent events.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import * as z from 'zod';
import type { JobManager } from '../cluster/job-manager.js';
import { ApiError, parseOr400, sendJson } from '../http/json-api.js';
import { serveConsoleAsset } from './console-assets.js';
import { DeadLettersQuery } from './runner-console.js';

const NoQuery = z.strictObject({});
const JSON_ROUTES = new Set(['plan', 'live/latest', 'processes', 'dead-letters']);

/**
 * Answers the console's GET routes; resolves false for any other path (the REST API's).
 *
 * @example
 * if (method === 'GET' && (await clusterConsole(req, res, url, manager))) return;
 */
export async function clusterConsole(req: IncomingMessage, res: ServerResponse, url: URL, manager: JobManager): Promise<boolean> {
  const path = url.pathname === '/ui/' ? '/ui/' : url.pathname.replace(/\/+$/, '') || '/';
  if (serveConsoleAsset(path, res)) return true;
  const query = Object.fromEntries(url.searchParams);
  if (path === '/v1/console') {
    parseOr400(NoQuery, query);
    sendJson(res, 200, { mode: 'cluster', actions: true, jobs: [...manager.o.jobs.values()].map((d) => ({ name: d.name, description: d.description, options: optionsSchema(d.options) })) });
    return true;
  }
  const m = /^\/v1\/jobs\/([^/]+)\/(.+)$/.exec(path);
  if (!m) return false;
  const [, id, rest] = m as unknown as [string, string, string];
  if (rest === 'views') {
    parseOr400(NoQuery, query);
    sendJson(res, 200, { views: manager.views(id) });
    return true;
  }
  if (JSON_ROUTES.has(rest)) {
    const job = manager.get(id);
    const q = rest === 'dead-letters' ? `?limit=${parseOr400(DeadLettersQuery, query).limit}` : (parseOr400(NoQuery, query), '');
    sendJson(res, 200, await job.runner(`/v1/${rest}${q}`));
    return true;
  }
  const view = rest.endsWith('/events') ? manager.views(id).find((v) => rest === `${v.name}/events`) : undefined;
  if (rest !== 'live' && !view) return false;
  parseOr400(NoQuery, query);
  await proxyStream(req, res, manager, id, `/v1/${rest}`);
  return true;
}

/** Passes a runner's event stream through, until either side goes away. */
async function proxyStream(req: IncomingMessage, res: ServerResponse, manager: JobManager, id: string, path: string): Promise<void> {
  const job = manager.get(id);
  if (job.terminal) throw new ApiError(409, `job ${id} is ${job.state}: its runner no longer serves ${path}`);
  const runnerUrl = (job.toJSON() as { url: string | null }).url;
  if (runnerUrl === null) throw new ApiError(503, `job ${id} is starting: its runner does not serve HTTP yet, retry in a moment`);
  const abort = new AbortController();
  req.on('close', () => abort.abort());
  let upstream: Response;
  try {
    upstream = await fetch(`${runnerUrl}${path}`, { signal: abort.signal });
  } catch (e) {
    throw new ApiError(502, `the runner of job ${id} did not answer at ${runnerUrl}: ${(e as Error).message}`);
  }
  if (!upstream.ok || upstream.body === null) throw new ApiError(upstream.status === 200 ? 502 : upstream.status, `runner: HTTP ${upstream.status} for ${path}`);
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
  const body = Readable.fromWeb(upstream.body as Parameters<typeof Readable.fromWeb>[0]);
  body.on('error', () => res.end()); // the runner went away, or the client did (abort)
  body.pipe(res);
  await new Promise<void>((resolve) => res.on('close', () => resolve()));
  abort.abort();
}

/** A job's options as JSON Schema (what a value may be as typed), for the submit form; null if zod cannot say. */
function optionsSchema(schema: z.ZodType): unknown {
  try {
    return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });
  } catch {
    return null;
  }
}
