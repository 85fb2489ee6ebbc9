/**
 * The job manager's REST API (`eddy cluster start`), shaped after Flink's: `/v1/jobs` to list and
 * submit, `/v1/jobs/:id` for status, and cancel, stop, savepoints, checkpoints and the job's views
 * (`/v1/jobs/:id/trending?category=`) under it. GETs are open; every other method needs
 * `Authorization: Bearer <token>`. Bodies and query strings are checked with zod; an error is
 * `{"error": "...", "field"?: "..."}`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isAbsolute, join } from 'node:path';
import * as z from 'zod';
import { ApiError, bearerMatches, parseOr400, readJson, sendJson as send, serveJson } from '../http/json-api.js';
import type { JobManager } from './job-manager.js';
import { clusterConsole } from '../console/cluster-console.js';

export interface ClusterServerOptions {
  host: string;
  port: number;
  manager: JobManager;
  token: string;
}

const directory = z.string().min(1).max(4_096).refine(isAbsolute, 'expected an absolute path');
export const StopBody = z.strictObject({ savepointDirectory: directory.optional() });
export const SavepointBody = z.strictObject({ directory: directory.optional() });
const NoQuery = z.strictObject({});

/**
 * @example
 * const server = await startClusterServer({ host: '127.0.0.1', port: 8081, manager, token });
 * logger.info(`job manager at ${server.url}`);
 */
export function startClusterServer(opts: ClusterServerOptions): Promise<{ url: string; close: () => Promise<void> }> {
  return serveJson(opts.host, opts.port, (req, res) => route(req, res, opts));
}

async function route(req: IncomingMessage, res: ServerResponse, { manager, token }: ClusterServerOptions): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://job-manager');
  const parts = url.pathname.split('/').filter((p) => p !== '');
  const query = Object.fromEntries(url.searchParams);
  const method = req.method ?? 'GET';
  // Authenticate before routing: without the token, no route (not even a 404) is revealed.
  if (method !== 'GET' && method !== 'HEAD' && !bearerMatches(req, token)) {
    throw new ApiError(401, 'missing or wrong bearer token: send Authorization: Bearer <token from the token file>');
  }
  if (method === 'GET' && (await clusterConsole(req, res, url, manager))) return;
  const [v1, jobs, id, action, ...extra] = parts;
  if (method === 'GET' && parts.length === 1 && v1 === 'healthz') return send(res, 200, { status: 'ok' });
  if (v1 !== 'v1' || jobs !== 'jobs' || extra.length > 0) throw new ApiError(404, `no route ${method} ${url.pathname}: try /v1/jobs`);

  if (id === undefined) {
    if (method === 'GET') {
      parseOr400(NoQuery, query);
      return send(res, 200, { jobs: manager.list() });
    }
    if (method === 'POST') {
      const body = await readJson(req);
      await manager.load(body);
      const job = manager.submit(body);
      return send(res, 201, { id: job.id, state: job.state, log: job.logFile });
    }
    throw methodNotAllowed(method, url.pathname);
  }

  const job = manager.get(id);
  if (action === undefined) {
    if (method !== 'GET') throw methodNotAllowed(method, url.pathname);
    parseOr400(NoQuery, query);
    return send(res, 200, await manager.status(id));
  }
  if (method === 'POST') {
    const body = await readJson(req);
    switch (action) {
      case 'cancel':
        parseOr400(NoQuery, body);
        job.cancel();
        return send(res, 202, { id, state: job.state });
      case 'stop': {
        const { savepointDirectory } = parseOr400(StopBody, body);
        const { savepoint } = await job.stop(savepointDirectory);
        return send(res, 202, { id, state: job.state, ...(savepoint ? { savepoint } : {}) });
      }
      case 'savepoints': {
        const { directory: dir } = parseOr400(SavepointBody, body);
        return send(res, 200, await job.savepoint(dir ?? join(manager.o.stateRoot, 'jobs', id, 'savepoints', `savepoint-${Date.now()}`)));
      }
    }
    throw new ApiError(404, `no route POST ${url.pathname}: try cancel, stop or savepoints`);
  }
  if (method !== 'GET') throw methodNotAllowed(method, url.pathname);
  if (action === 'checkpoints') {
    parseOr400(NoQuery, query);
    return send(res, 200, await job.runner('/v1/checkpoints'));
  }
  const view = manager.views(id).find((v) => v.name === action);
  if (!view) throw new ApiError(404, `no route GET ${url.pathname}: try checkpoints${manager.views(id).map((v) => `, ${v.name}`).join('')}`);
  const q = parseOr400(z.strictObject({ [view.param]: z.string().min(1).max(256).optional() }), query);
  const key = q[view.param];
  return send(res, 200, await job.runner(`/v1/${view.name}${key === undefined ? '' : `?${new URLSearchParams({ [view.param]: key }).toString()}`}`));
}

function methodNotAllowed(method: string, path: string): ApiError {
  return new ApiError(405, `method ${method} not allowed on ${path}`);
}
