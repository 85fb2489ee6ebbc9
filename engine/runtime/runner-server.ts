/**
 * The runner's HTTP server (`--metrics-port`): Prometheus metrics, liveness (`/healthz`: the process
 * answers) and readiness (`/readyz`: every member running with its tasks open), status, checkpoint
 * history, the job's views (e.g. `/v1/trending`), and a graceful stop. Read-only routes are open;
 * POST routes need `Authorization: Bearer $EDDY_API_TOKEN` and are disabled without that variable.
 * Binds 127.0.0.1 unless told otherwise.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isAbsolute } from 'node:path';
import * as z from 'zod';
import type { SavepointManifest } from '../checkpoint/savepoint.js';
import { ApiError, bearerMatches, parseOr400, readJson, sendJson as send, serveJson } from '../http/json-api.js';
import type { LatestView, ViewSpec } from '../views/latest-view.js';
import type { RunnerMonitor } from './runner-monitor.js';

export interface RunnerServerOptions {
  host: string;
  port: number;
  monitor: RunnerMonitor;
  views: readonly { spec: ViewSpec; view: LatestView<unknown> }[];
  /** Called by `POST /v1/stop`. */
  stop: () => void;
  /** Takes a savepoint into the directory (`POST /v1/savepoints`, and stop with a savepoint). */
  savepoint: (dir: string, thenStop: boolean) => Promise<SavepointManifest>;
  /** Enables the POST routes. */
  token?: string;
  /** The web console's GET routes (engine/console); resolves false for other paths. */
  console?: (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean>;
}

/**
 * @example
 * const server = await startRunnerServer({ host: '127.0.0.1', port: 9464, monitor, views: [], stop });
 * logger.info(`serving ${server.url}`, { url: server.url });
 */
export function startRunnerServer(opts: RunnerServerOptions): Promise<{ url: string; close: () => Promise<void> }> {
  return serveJson(opts.host, opts.port, (req, res) => route(req, res, opts));
}

async function route(req: IncomingMessage, res: ServerResponse, opts: RunnerServerOptions): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://runner');
  const path = url.pathname.replace(/\/+$/, '') || '/';
  if (req.method === 'POST') return post(path, req, res, opts);
  if (req.method !== 'GET') throw new ApiError(405, `method ${req.method} not allowed`);
  if (opts.console && (await opts.console(req, res, url))) return;
  if (path === '/metrics') {
    const { contentType, body } = await opts.monitor.renderMetrics();
    res.writeHead(200, { 'content-type': contentType });
    res.end(body);
    return;
  }
  if (path === '/healthz') return send(res, 200, { status: 'ok' });
  if (path === '/readyz') {
    const { ready, reasons } = opts.monitor.readiness();
    return send(res, ready ? 200 : 503, ready ? { ready } : { ready, reasons });
  }
  if (path === '/v1/status') return send(res, 200, await opts.monitor.status());
  if (path === '/v1/checkpoints') return send(res, 200, { checkpoints: opts.monitor.checkpoints() });
  const view = opts.views.find((v) => path === `/v1/${v.spec.name}`);
  if (!view) throw new ApiError(404, `no route ${path}: try /metrics, /healthz, /readyz, /v1/status, /v1/checkpoints${opts.views.map((v) => `, /v1/${v.spec.name}`).join('')}`);
  const { param } = view.spec;
  const key = parseOr400(z.strictObject({ [param]: z.string().min(1).max(256).optional() }), Object.fromEntries(url.searchParams))[param];
  if (key === undefined) return send(res, 200, { [plural(param)]: Object.fromEntries(view.view.all()) });
  const record = view.view.latest(key);
  if (record === undefined) throw new ApiError(404, `no ${view.spec.name} record for ${param} '${key}' yet`, param);
  send(res, 200, record);
}

async function post(path: string, req: IncomingMessage, res: ServerResponse, opts: RunnerServerOptions): Promise<void> {
  if (!opts.token) throw new ApiError(403, 'POST routes are disabled: start the runner with EDDY_API_TOKEN set');
  if (!bearerMatches(req, opts.token)) throw new ApiError(401, 'missing or wrong bearer token');
  const body = await readJson(req);
  if (path === '/v1/stop') {
    const { savepointDirectory } = parseOr400(StopBody, body);
    const savepoint = savepointDirectory === undefined ? undefined : await savepointTo(opts, savepointDirectory, true);
    opts.stop();
    opts.monitor.state = 'stopping';
    return send(res, 202, { state: 'stopping', ...(savepoint ? { savepoint } : {}) });
  }
  if (path === '/v1/savepoints') {
    const { directory } = parseOr400(SavepointBody, body);
    return send(res, 200, await savepointTo(opts, directory, false));
  }
  throw new ApiError(404, `no route POST ${path}`);
}

const directory = z.string().min(1).max(4_096).refine((d) => isAbsolute(d), 'expected an absolute path');
export const StopBody = z.strictObject({ savepointDirectory: directory.optional() });
export const SavepointBody = z.strictObject({ directory });

async function savepointTo(opts: RunnerServerOptions, dir: string, thenStop: boolean): Promise<{ path: string; tasks: number; bytes: number; createdAt: number }> {
  try {
    const m = await opts.savepoint(dir, thenStop);
    return { path: dir, tasks: m.tasks.length, bytes: m.tasks.reduce((a, t) => a + t.bytes, 0), createdAt: m.createdAt };
  } catch (e) {
    throw new ApiError(409, `savepoint failed: ${(e as Error).message}`);
  }
}

function plural(param: string): string {
  return param.endsWith('y') ? `${param.slice(0, -1)}ies` : `${param}s`;
}
