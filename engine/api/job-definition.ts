/**
 * A job module: `export default defineJob({...})`. The runtime (and every worker thread) loads it by
 * path and calls `build` with validated options, so user code is never sent between threads.
 */
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as z from 'zod';
import type { ViewSpec } from '../views/latest-view.js';
import { JobBuilder, type BuiltJob } from './job-builder.js';

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

/** Imports a job module by path and checks that its default export is a job definition. */
export async function loadJob(modulePath: string): Promise<JobDefinition> {
  const url = pathToFileURL(isAbsolute(modulePath) ? modulePath : resolve(modulePath)).href;
  const mod = (await import(url)) as { default?: Partial<JobDefinition> };
  const def = mod.default;
  if (!def || typeof def.name !== 'string' || typeof def.build !== 'function' || typeof def.options?.parse !== 'function') {
    throw new Error(`${modulePath} does not export a job: expected 'export default defineJob({ name, description, options, build })'`);
  }
  return def as JobDefinition;
}
