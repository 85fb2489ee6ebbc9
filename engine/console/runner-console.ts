/**
 * What a standalone runner serves for its console, next to its REST API on the same port (GET
 * only): the page and its modules, the console's settings, the job's stage plan, live series (a
 * sample now, or a stream), the newest dead letters, the savepoints it took, its processes, and
 * each view's updates as server-sent events.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import * as z from 'zod';
import type { PlanDescription } from '../graph/describe-plan.js';
import { parseOr400, sendJson } from '../http/json-api.js';
import { serveConsoleAsset } from './console-assets.js';
import type { DeadLetterTail } from './dead-letter-tail.js';
import type { LiveSampler } from './live-sampler.js';
import { openSse, type Feed } from './sse.js';

/** A view as the console follows it: its newest records, and a feed of the records that changed. */
export interface ConsoleView {
  name: string;
  param: string;
  all: () => Map<string, unknown>;
  feed: Feed<unknown[]>;
}

export interface SavepointTaken {
  path: string;
  tasks: number;
  bytes: number;
  createdAt: number;
}

export interface RunnerConsoleOptions {
  job: string;
  groupId: string;
  plan: PlanDescription;
  sampler: LiveSampler;
  views: readonly ConsoleView[];
  /** Started once the job's topics exist; undefined until then. */
  deadLetters: () => DeadLetterTail | undefined;
  savepoints: () => readonly SavepointTaken[];
  /** Runner processes in the job's consumer group. */
  processes: () => Promise<number>;
  /** Whether POST routes are enabled (EDDY_API_TOKEN set). */
  actions: boolean;
}

const NoQuery = z.strictObject({});
export const DeadLettersQuery = z.strictObject({ limit: z.coerce.number().int().min(1).max(100).default(20) });

/**
 * A handler for the console's GET routes; resolves false for a path that is not one of them.
 *
 * @example
 * const consoleRoutes = runnerConsole(options);
 * if (req.method === 'GET' && (await consoleRoutes(req, res, url))) return;
 */
export function runnerConsole(o: RunnerConsoleOptions): (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean> {
  return async (req, res, url) => {
    const path = url.pathname === '/' ? '/' : url.pathname.replace(/\/+$/, '') || '/';
    if (serveConsoleAsset(url.pathname === '/ui/' ? '/ui/' : path, res)) return true;
    const query = Object.fromEntries(url.searchParams);
    const json = (body: unknown): true => {
      parseOr400(NoQuery, query);
      sendJson(res, 200, body);
      return true;
    };
    switch (path) {
      case '/v1/console':
        return json({ mode: 'runner', job: o.job, groupId: o.groupId, views: o.views.map((v) => ({ name: v.name, param: v.param })), actions: o.actions });
      case '/v1/plan':
        return json(o.plan);
      case '/v1/live/latest':
        return json(await o.sampler.now());
      case '/v1/savepoints':
        return json({ savepoints: o.savepoints() });
      case '/v1/processes':
        return json({ processes: await o.processes() });
      case '/v1/dead-letters': {
        const { limit } = parseOr400(DeadLettersQuery, query);
        sendJson(res, 200, { deadLetters: o.deadLetters()?.newest(limit) ?? [] });
        return true;
      }
      case '/v1/live': {
        parseOr400(NoQuery, query);
        const sse = openSse(req, res);
        sse.send('history', o.sampler.history());
        const off = o.sampler.subscribe((s) => sse.send('sample', s));
        await sse.closed;
        off();
        return true;
      }
    }
    const view = o.views.find((v) => path === `/v1/${v.name}/events`);
    if (!view) return false;
    parseOr400(NoQuery, query);
    const sse = openSse(req, res);
    sse.send('snapshot', Object.fromEntries(view.all()));
    const off = view.feed.subscribe((changed) => sse.send('update', changed));
    await sse.closed;
    off();
    return true;
  };
}
