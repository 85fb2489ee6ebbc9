/**
 * The console's calls: the same pages run against a standalone runner (its one job, at `/v1/...`)
 * and against the job manager (its jobs, at `/v1/jobs/<id>/...`); this module maps between them and
 * carries the API token, kept for the browser session only.
 */
import type { ConsoleInfo } from './types.js';

const TOKEN_KEY = 'eddy-console-token';
/** The id the standalone runner's one job goes by in the console's addresses. */
export const RUNNER_JOB = 'this';

/** An error answer: the status and the server's message. */
export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

let info: ConsoleInfo | undefined;

export async function consoleInfo(): Promise<ConsoleInfo> {
  info ??= await getJson<ConsoleInfo>('/v1/console');
  return info;
}

export function token(): string {
  return sessionStorage.getItem(TOKEN_KEY) ?? '';
}

export function setToken(value: string): void {
  if (value === '') sessionStorage.removeItem(TOKEN_KEY);
  else sessionStorage.setItem(TOKEN_KEY, value);
}

/** A job's address for `sub` (`status`, `checkpoints`, `live`, …) in this console's mode. */
export function jobPath(id: string, sub: string): string {
  if (info?.mode === 'runner') return `/v1/${sub === 'status' ? 'status' : sub}`;
  return sub === 'status' ? `/v1/jobs/${encodeURIComponent(id)}` : `/v1/jobs/${encodeURIComponent(id)}/${sub}`;
}

export async function getJson<T>(path: string): Promise<T> {
  return answer<T>(await fetch(path, { headers: { accept: 'application/json' } }));
}

/**
 * A POST with the token (when one is set: without it the server refuses, which the page shows).
 *
 * @example
 * await postJson('/v1/jobs/abc/stop', { savepointDirectory: '/tmp/sp' });
 */
export async function postJson<T>(path: string, body: unknown): Promise<T> {
  const t = token();
  const headers: Record<string, string> = { 'content-type': 'application/json', ...(t ? { authorization: `Bearer ${t}` } : {}) };
  return answer<T>(await fetch(path, { method: 'POST', headers, body: JSON.stringify(body) }));
}

async function answer<T>(res: Response): Promise<T> {
  const body = (await res.json().catch(() => ({ error: `HTTP ${res.status} without a JSON body` }))) as { error?: string; field?: string };
  if (!res.ok) throw new ApiFailure(res.status, `${res.status} ${explain(res.status)}: ${body.error ?? 'no reason given'}`);
  return body as T;
}

function explain(status: number): string {
  switch (status) {
    case 401:
      return 'refused, the API token is missing or wrong';
    case 403:
      return 'refused, actions are disabled on this server';
    case 409:
      return 'not possible now';
    case 400:
      return 'bad request';
    default:
      return status >= 500 ? 'server error' : 'error';
  }
}
