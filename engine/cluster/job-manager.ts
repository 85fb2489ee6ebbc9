/**
 * The job manager's bookkeeping: which jobs it may run, the jobs it started (one `eddy run` child
 * each, see JobProcess), and their status with the runner's own view of itself. It holds jobs in
 * memory: a restarted job manager starts with an empty list (the jobs' folders and logs stay).
 */
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { JobDefinition } from '../api/job-definition.js';
import { ApiError } from '../http/json-api.js';
import type { LogLevel } from '../log/logger.js';
import { JobProcess } from './job-process.js';
import { loadSubmittedModule, validateSubmit } from './submit-request.js';

export interface JobManagerOptions {
  /** The jobs clients may submit by name (from the job registry); any other is a job module's path. */
  jobs: ReadonlyMap<string, JobDefinition>;
  /** Each job gets `<stateRoot>/jobs/<id>/`. */
  stateRoot: string;
  /** Brokers for jobs that do not name theirs. */
  brokers?: string;
  /** The CLI the children run (default: `eddy.js` of this build). */
  eddyScript?: string;
  /** The runners' `--log-level` (default: theirs, info). */
  logLevel?: LogLevel;
}

const DEFAULT_EDDY = join(dirname(fileURLToPath(import.meta.url)), '..', 'cli', 'eddy.js');
/** How long a status call waits for a runner's own status before leaving it out. */
const RUNNER_STATUS_TIMEOUT_MS = 2_000;

/**
 * @example
 * const manager = new JobManager({ jobs: new Map([['content-popularity', def]]), stateRoot: '/var/lib/eddy' });
 * const job = manager.submit({ job: 'content-popularity', options: { bounded: true } });
 * await manager.load({ job: '/home/me/my-job/dist/job.js' }); // a job module by path: loaded first
 * manager.submit({ job: '/home/me/my-job/dist/job.js', options: { bounded: true } });
 * await manager.shutdown();
 */
export class JobManager {
  readonly #jobs = new Map<string, JobProcess>();
  readonly #views = new Map<string, { name: string; param: string }[]>();
  /** Job modules submitted by path, by absolute path, as last loaded. */
  readonly #modules = new Map<string, JobDefinition>();

  constructor(readonly o: JobManagerOptions) {}

  /**
   * Imports the job module a submit body names by path (ApiError 400 naming `job` when it cannot,
   * or when its eddy version differs), so that `submit` can check the body; nothing for a job name.
   */
  async load(body: unknown): Promise<void> {
    const loaded = await loadSubmittedModule(body);
    if (loaded) this.#modules.set(loaded.path, loaded.def);
  }

  /** Validates the request (ApiError 400 naming the field), then starts the runner. */
  submit(body: unknown): JobProcess {
    const valid = validateSubmit(body, new Map([...this.o.jobs, ...this.#modules]), this.o.brokers ? { brokers: this.o.brokers } : {});
    const id = randomBytes(8).toString('hex');
    const job = JobProcess.start({ id, job: valid.job, config: valid.config, dir: join(this.o.stateRoot, 'jobs', id), eddyScript: this.o.eddyScript ?? DEFAULT_EDDY, ...(this.o.logLevel ? { logLevel: this.o.logLevel } : {}) });
    this.#jobs.set(id, job);
    this.#views.set(id, valid.views);
    return job;
  }

  list(): { id: string; job: string; state: string; startedAt: number; endedAt: unknown }[] {
    return [...this.#jobs.values()].map((j) => {
      const { id, job, state, startedAt, endedAt } = j.toJSON() as { id: string; job: string; state: string; startedAt: number; endedAt: unknown };
      return { id, job, state, startedAt, endedAt };
    });
  }

  get(id: string): JobProcess {
    const job = this.#jobs.get(id);
    if (!job) throw new ApiError(404, `no job '${id}' (GET /v1/jobs lists them)`);
    return job;
  }

  /** The job manager's record, plus the runner's `/v1/status` while it answers (else `runner: null`). */
  async status(id: string): Promise<Record<string, unknown>> {
    const job = this.get(id);
    const runner = job.terminal ? null : await job.runner('/v1/status', { timeoutMs: RUNNER_STATUS_TIMEOUT_MS }).catch(() => null);
    return { ...job.toJSON(), runner };
  }

  /** The views a job declared (such as `trending?category=`), which its runner serves. */
  views(id: string): readonly { name: string; param: string }[] {
    this.get(id);
    return this.#views.get(id) ?? [];
  }

  /** Stops every live job gracefully and waits until all have exited. */
  async shutdown(): Promise<void> {
    await Promise.all([...this.#jobs.values()].map((j) => j.shutdown()));
  }

  /** Jobs not yet ended, for a last word on a forced exit. */
  live(): JobProcess[] {
    return [...this.#jobs.values()].filter((j) => !j.terminal);
  }
}
