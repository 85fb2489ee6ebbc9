/**
 * The runner's HTTP server (`--metrics-port`): Prometheus metrics, health, status, checkpoint
 * history, the job's views (e.g. `/v1/trending`), and a graceful stop. Read-only routes are open;
 * POST routes need `Authorization: Bearer $EDDY_API_TOKEN` and are disabled without that variable.
 * Binds 127.0.0.1 unless told otherwise.
 */
import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isAbsolute } from 'node:path';
import * as z from 'zod';
import type { SavepointManifest } from '../checkpoint/savepoint.js';
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
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

const MAX_BODY = 64 * 1024;

/**
 * @example
 * const server = await startRunnerServer({ host: '127.0.0.1', port: 9464, monitor, views: [], stop });
 * console.error(`serving ${server.url}`);
 */
export async function startRunnerServer(opts: RunnerServerOptions): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer((req, res) => {
    route(req, res, opts).catch((e: unknown) => {
      const err = e instanceof HttpError ? e : new HttpError(500, (e as Error).message);
      send(res, err.status, { error: err.message, ...(err.field ? { field: err.field } : {}) });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${opts.host.includes(':') ? `[${opts.host}]` : opts.host}:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function route(req: IncomingMessage, res: ServerResponse, opts: RunnerServerOptions): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://runner');
  const path = url.pathname.replace(/\/+$/, '') || '/';
  if (req.method === 'POST') return post(path, req, res, opts);
  if (req.method !== 'GET') throw new HttpError(405, `method ${req.method} not allowed`);
  if (path === '/metrics') {
    const { contentType, body } = await opts.monitor.renderMetrics();
    res.writeHead(200, { 'content-type': contentType });
    res.end(body);
    return;
  }
  if (path === '/healthz') return send(res, 200, { status: 'ok' });
  if (path === '/v1/status') return send(res, 200, await opts.monitor.status());
  if (path === '/v1/checkpoints') return send(res, 200, { checkpoints: opts.monitor.checkpoints() });
  const view = opts.views.find((v) => path === `/v1/${v.spec.name}`);
  if (!view) throw new HttpError(404, `no route ${path}: try /metrics, /healthz, /v1/status, /v1/checkpoints${opts.views.map((v) => `, /v1/${v.spec.name}`).join('')}`);
  const { param } = view.spec;
  const query = z.strictObject({ [param]: z.string().min(1).max(256).optional() }).safeParse(Object.fromEntries(url.searchParams));
  if (!query.success) {
    const issue = query.error.issues[0]!;
    const field = issue.code === 'unrecognized_keys' ? issue.keys[0]! : String(issue.path[0] ?? param);
    throw new HttpError(400, issue.code === 'unrecognized_keys' ? `unknown query parameter '${field}' (expected '${param}')` : `${field}: ${issue.message}`, field);
  }
  const key = query.data[param];
  if (key === undefined) return send(res, 200, { [plural(param)]: Object.fromEntries(view.view.all()) });
  const record = view.view.latest(key);
  if (record === undefined) throw new HttpError(404, `no ${view.spec.name} record for ${param} '${key}' yet`, param);
  send(res, 200, record);
}

async function post(path: string, req: IncomingMessage, res: ServerResponse, opts: RunnerServerOptions): Promise<void> {
  if (!opts.token) throw new HttpError(403, 'POST routes are disabled: start the runner with EDDY_API_TOKEN set');
  const given = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
  const a = Buffer.from(given);
  const b = Buffer.from(opts.token);
  if (a.length !== b.length || !timingSafeEqual(a, b)) throw new HttpError(401, 'missing or wrong bearer token');
  const body = await readJson(req);
  if (path === '/v1/stop') {
    const { savepointDirectory } = parseBody(StopBody, body);
    const savepoint = savepointDirectory === undefined ? undefined : await savepointTo(opts, savepointDirectory, true);
    opts.stop();
    opts.monitor.state = 'stopping';
    return send(res, 202, { state: 'stopping', ...(savepoint ? { savepoint } : {}) });
  }
  if (path === '/v1/savepoints') {
    const { directory } = parseBody(SavepointBody, body);
    return send(res, 200, await savepointTo(opts, directory, false));
  }
  throw new HttpError(404, `no route POST ${path}`);
}

const directory = z.string().min(1).max(4_096).refine((d) => isAbsolute(d), 'expected an absolute path');
const StopBody = z.strictObject({ savepointDirectory: directory.optional() });
const SavepointBody = z.strictObject({ directory });

function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const field = issue.code === 'unrecognized_keys' ? issue.keys[0]! : String(issue.path[0] ?? 'body');
  throw new HttpError(400, issue.code === 'unrecognized_keys' ? `unknown field '${field}'` : `${field}: ${issue.message}`, field);
}

async function savepointTo(opts: RunnerServerOptions, dir: string, thenStop: boolean): Promise<{ path: string; tasks: number; bytes: number; createdAt: number }> {
  try {
    const m = await opts.savepoint(dir, thenStop);
    return { path: dir, tasks: m.tasks.length, bytes: m.tasks.reduce((a, t) => a + t.bytes, 0), createdAt: m.createdAt };
  } catch (e) {
    throw new HttpError(409, `savepoint failed: ${(e as Error).message}`);
  }
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw new HttpError(413, `body larger than ${MAX_BODY} bytes`);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (text === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new HttpError(400, 'body is not valid JSON', 'body');
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function plural(param: string): string {
  return param.endsWith('y') ? `${param.slice(0, -1)}ies` : `${param}s`;
}
