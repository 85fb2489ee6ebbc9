/**
 * A job module: `export default defineJob({...})`. The runtime (and every worker thread) loads it by
 * path and calls `build` with validated options, so user code is never sent between threads.
 */
import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as z from 'zod';
import type { ViewSpec } from '../views/latest-view.js';
import { checkEddyDependency } from './eddy-dependency.js';
import { JobBuilder, type BuiltJob } from './job-builder.js';
import type { JobMetric } from './job-metrics.js';

export interface JobDefinition<S extends z.ZodType = z.ZodType> {
  /** Job name: names its consumer group, transactional ids and state folders by default. */
  name: string;
  description: string;
  /** The job's options (with defaults); CLI flags and `--config` are validated against it. */
  options: S;
  build(b: JobBuilder, options: z.output<S>): void;
  /**
   * A record one of the job's functions keeps throwing on (`attempts` calls in place, default 3) is
   * dead-lettered with the node's name and the error (`onError: 'dlq'`, the default), or stops the
   * job (`'fail'`, for jobs that must not skip a record). See docs/bad-input.md.
   */
  userCode?: { onError?: 'dlq' | 'fail'; attempts?: number };
  /**
   * Queryable views of the job's output that the runner serves over HTTP (`GET /v1/<name>`): the
   * newest committed record per key of an output topic.
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each view has its own record type
  views?(options: z.output<S>): ViewSpec<any>[];
  /**
   * The job's own metrics (`counter`, `gauge`, `histogram`, declared at module level): exported on
   * the runner's `/metrics` with `job_name`, from the start. See docs/metrics.md.
   */
  metrics?: readonly JobMetric[];
  /**
   * A live text display of the job's results, which `eddy demo` draws: the lines for the newest
   * committed records of the job's views (the demo follows them; the job needs no Kafka client).
   */
  display?(options: z.output<S>, views: DisplayViews): string[];
}

/**
 * The job's views as `eddy demo` follows them (see {@link JobDefinition.display}).
 *
 * @example
 * display: (o, views) => [...views.latest('trending').values()].map((r) => JSON.stringify(r)),
 */
export interface DisplayViews {
  /** The newest committed record per key of the view named `view` (empty before the first). */
  latest(view: string): ReadonlyMap<string, unknown>;
}

/**
 * Declares a job.
 *
 * @example
 * export default defineJob({
 *   name: 'views-per-minute',
 *   description: 'counts views per content id per minute',
 *   options: z.object({ topic: z.string().default('watch-events') }),
 *   build(b, o) {
 *     b.source('in', { topic: o.topic, serde: jsonSerde(WatchEventSchema), timestamp: (e) => e.eventTime })
 *       .keyBy('by-content', (e) => e.contentId)
 *       .window(tumbling(60_000))
 *       .aggregate('views', count())
 *       .sink('out', { topic: 'views', encode: (r) => ({ key: r.key, value: JSON.stringify(r) }) });
 *   },
 * });
 */
export function defineJob<S extends z.ZodType>(def: JobDefinition<S>): JobDefinition<S> {
  return def;
}

/** Builds a job's graph and functions for options given as user input (validated here). */
export function buildJob<S extends z.ZodType>(def: JobDefinition<S>, input: unknown, maxParallelism?: number): BuiltJob {
  const options = def.options.parse(input ?? {}) as z.output<S>;
  const b = new JobBuilder(def.name, maxParallelism, def.userCode);
  def.build(b, options);
  return b.build();
}

/**
 * Imports a job module by path and checks that its default export is a job definition. The `eddy`
 * it imports must be this one's version (engine/api/eddy-dependency.ts). Errors name the module and,
 * when its own code failed, the line. `fresh` imports it anew when the file changed since a load
 * (the job manager, which outlives edits of a job it validates).
 */
export async function loadJob(modulePath: string, opts: { fresh?: boolean } = {}): Promise<JobDefinition> {
  const path = isAbsolute(modulePath) ? modulePath : resolve(modulePath);
  checkEddyDependency(path);
  const url = pathToFileURL(path).href + (opts.fresh ? `?mtime=${statSync(path).mtimeMs}` : '');
  let mod: { default?: Partial<JobDefinition> };
  try {
    mod = (await import(url)) as { default?: Partial<JobDefinition> };
  } catch (e) {
    const hint = (e as { code?: string }).code === 'ERR_MODULE_NOT_FOUND' && /'eddy'/.test((e as Error).message) ? " (install eddy in the job's project: npm install eddy)" : '';
    const at = e instanceof SyntaxError ? syntaxErrorPlace(path) : whereInJob(e, path);
    throw new Error(`cannot load job module ${path}: ${(e as Error).message.split('\n')[0]}${hint}${at}`, { cause: e });
  }
  const def = mod.default;
  if (!def || typeof def.name !== 'string' || typeof def.build !== 'function' || typeof def.options?.parse !== 'function') {
    throw new Error(`${path} does not export a job: expected 'export default defineJob({ name, description, options, build })'`);
  }
  return def as JobDefinition;
}

/**
 * ` (at FILE:LINE:COL)` for the first frame of an error's stack in the job module's folder (its own
 * code, not its node_modules), else ''.
 *
 * @example
 * try { buildJob(def, options); } catch (e) { throw new Error(`${e.message}${whereInJob(e, path)}`); }
 */
export function whereInJob(error: unknown, modulePath: string): string {
  const stack = error instanceof Error ? (error.stack ?? '') : '';
  const dir = dirname(isAbsolute(modulePath) ? modulePath : resolve(modulePath));
  // A frame is `/path/file.js:LINE:COL` or a file URL, with the `?mtime=` of a fresh load.
  for (const [, file, line, col] of stack.matchAll(/(?:file:\/\/)?(\/[^\s():?]+)(?:\?[^\s:]*)?:(\d+)(?::(\d+))?/g)) {
    if (file!.startsWith(`${dir}/`) && !file!.includes('/node_modules/')) return ` (at ${file}:${line}${col ? `:${col}` : ''})`;
  }
  return '';
}

/** Node 20 keeps the place of an ES module's syntax error out of the error; `node --check` prints it. */
function syntaxErrorPlace(path: string): string {
  const r = spawnSync(process.execPath, ['--check', path], { encoding: 'utf8', timeout: 10_000 });
  const m = /^(\/\S+):(\d+)$/m.exec(r.stderr ?? '');
  return m ? ` (at ${m[1]}:${m[2]})` : '';
}
