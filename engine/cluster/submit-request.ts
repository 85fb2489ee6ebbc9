/**
 * What `POST /v1/jobs` accepts, checked before any process starts: the job is one the job manager
 * was started with (a name from the job registry), or the path of a job module on the job manager's
 * host (absolute, or relative to its working folder; never uploaded code), imported here with the
 * job's `eddy` version checked against the job manager's. Runner options are checked here, the
 * job's options by the job's own zod schema, then its graph is built once, as `eddy run` would.
 */
import { existsSync, statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import * as z from 'zod';
import { buildJob, loadJob, whereInJob, type JobDefinition } from '../api/job-definition.js';
import { durationMs, numberFlag } from '../config/units.js';
import { ApiError, parseOr400 } from '../http/json-api.js';

/** The `eddy run` options a client may set; values as a user types them (`"5s"`, `"2"`) or JSON. */
export const SubmitRunnerOptions = z.strictObject({
  brokers: z.string().regex(/^[A-Za-z0-9.:[\]_-]+(,[A-Za-z0-9.:[\]_-]+)*$/, 'expected host:port[,host:port...]').optional(),
  parallelism: numberFlag((n) => n.int().min(1).max(128)).optional(),
  stateBackend: z.enum(['rocksdb', 'memory']).optional(),
  groupId: z.string().regex(/^[a-zA-Z0-9._-]{1,200}$/, 'expected letters, digits, ".", "_" or "-"').optional(),
  bounded: z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]).optional(),
  checkpointInterval: durationMs.optional(),
  sessionTimeout: durationMs.optional(),
  fromSavepoint: z.string().max(4_096).refine(isAbsolute, 'expected an absolute path').optional(),
  maxRecordBytes: numberFlag((n) => n.int().min(1_024).max(1_073_741_824)).optional(),
  maxFutureSkew: durationMs.optional(),
  maxGroups: numberFlag((n) => n.int().min(1).max(100_000)).optional(),
  restartLimit: numberFlag((n) => n.int().min(1).max(1_000)).optional(),
});
const RUNNER_KEYS = new Set(Object.keys(SubmitRunnerOptions.shape));
/** Set by the job manager for every job (ports, folders, credentials): never by a client. */
const RESERVED_KEYS = new Set(['metricsPort', 'httpHost', 'stateDir', 'kafka', 'config', 'D', 'help']);

export const SubmitBody = z.strictObject({
  job: z.string().min(1).max(4_096),
  options: z.record(z.string(), z.unknown()).default({}),
});

export interface ValidSubmit {
  /** The job's name, or its module's absolute path: what the runner is started with. */
  job: string;
  def: JobDefinition;
  /** What the child's `--config` file holds: runner and job options as given, validated. */
  config: Record<string, unknown>;
  /** The job's views (`GET /v1/jobs/:id/<name>?<param>=...` proxies them). */
  views: { name: string; param: string }[];
}

/** A job name from the registry; anything else is a path. */
const JOB_NAME = /^[a-z0-9-]+$/;

/**
 * Imports the job module a submit body names by path (absolute, or relative to the job manager's
 * folder), anew when the file changed; undefined for a job name. ApiError 400 naming `job` when
 * there is no such file, it is no job module, or its eddy version is not the job manager's.
 *
 * @example
 * const m = await loadSubmittedModule({ job: '/home/me/my-job/dist/job.js' });
 * m?.path; // '/home/me/my-job/dist/job.js', with m.def its definition
 */
export async function loadSubmittedModule(body: unknown): Promise<{ path: string; def: JobDefinition } | undefined> {
  const { job } = parseOr400(SubmitBody, body);
  if (JOB_NAME.test(job)) return undefined;
  const path = resolve(job);
  if (!existsSync(path) || !statSync(path).isFile()) throw new ApiError(400, `job: no job module at ${path} on the job manager's host`, 'job');
  try {
    return { path, def: await loadJob(path, { fresh: true }) };
  } catch (e) {
    throw new ApiError(400, `job: ${(e as Error).message}`, 'job');
  }
}

/**
 * Validates a submit body against the jobs this job manager runs, by name, and the job modules it
 * loaded (loadSubmittedModule), by absolute path; throws ApiError 400 naming the field.
 *
 * @example
 * const s = validateSubmit({ job: 'content-popularity', options: { top: 3, bounded: true } }, jobs, { brokers: '127.0.0.1:9092' });
 * s.config; // { brokers: '127.0.0.1:9092', bounded: true, top: 3 }
 */
export function validateSubmit(body: unknown, jobs: ReadonlyMap<string, JobDefinition>, defaults: { brokers?: string } = {}): ValidSubmit {
  const parsed = parseOr400(SubmitBody, body);
  const job = JOB_NAME.test(parsed.job) ? parsed.job : resolve(parsed.job);
  const def = jobs.get(job);
  if (!def) {
    const names = [...jobs.keys()].filter((k) => JOB_NAME.test(k));
    throw new ApiError(400, `job: unknown job '${job}' (this job manager runs: ${names.join(', ') || 'none'}; or give the path of a job module)`, 'job');
  }
  const { options } = parsed;
  const reserved = Object.keys(options).find((k) => RESERVED_KEYS.has(k));
  if (reserved) throw new ApiError(400, `options.${reserved}: set by the job manager, not by a client`, `options.${reserved}`);
  const runnerInput = Object.fromEntries(Object.entries(options).filter(([k]) => RUNNER_KEYS.has(k)));
  const jobInput = Object.fromEntries(Object.entries(options).filter(([k]) => !RUNNER_KEYS.has(k)));
  const runner = parseOr400(SubmitRunnerOptions, runnerInput, 'options');
  const parsedJob: unknown = parseOr400(def.options, jobInput, 'options');
  try {
    buildJob(def, jobInput);
  } catch (e) {
    throw new ApiError(400, `options: ${(e as Error).message}${JOB_NAME.test(job) ? '' : whereInJob(e, job)}`, 'options');
  }
  // The child re-validates the same values; `bounded` goes as the boolean the runner expects.
  const config: Record<string, unknown> = { ...(defaults.brokers ? { brokers: defaults.brokers } : {}), ...runnerInput, ...jobInput };
  if (runner.bounded !== undefined) config.bounded = runner.bounded;
  const views = (def.views?.(parsedJob) ?? []).map((v: { name: string; param: string }) => ({ name: v.name, param: v.param }));
  return { job, def, config, views };
}
