import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import contentPopularity from '../../jobs/content-popularity/job.js';
import type { JobDefinition } from '../api/job-definition.js';
import { jobProject, REPO } from '../api/testing/job-project.js';
import { ApiError } from '../http/json-api.js';
import { loadSubmittedModule, validateSubmit } from './submit-request.js';

const jobs = new Map<string, JobDefinition>([['content-popularity', contentPopularity as unknown as JobDefinition]]);

/** The ApiError a body is refused with. */
function refusal(body: unknown): { status: number; field?: string; message: string } {
  try {
    validateSubmit(body, jobs);
  } catch (e) {
    if (e instanceof ApiError) return { status: e.status, message: e.message, ...(e.field ? { field: e.field } : {}) };
    throw e;
  }
  throw new Error('accepted');
}

/** The ApiError loading a body's job module is refused with. */
async function loadRefusal(body: unknown): Promise<{ status: number; field?: string; message: string }> {
  try {
    await loadSubmittedModule(body);
  } catch (e) {
    if (e instanceof ApiError) return { status: e.status, message: e.message, ...(e.field ? { field: e.field } : {}) };
    throw e;
  }
  throw new Error('loaded');
}

describe('validateSubmit', () => {
  it('accepts runner and job options as flags or JSON, and names the views', () => {
    const s = validateSubmit({ job: 'content-popularity', options: { top: '3', window: '1m', parallelism: 2, bounded: 'true', checkpointInterval: '250ms' } }, jobs, { brokers: 'b:9092' });
    expect(s.config).toEqual({ brokers: 'b:9092', top: '3', window: '1m', parallelism: 2, bounded: true, checkpointInterval: '250ms' });
    expect(s.views).toEqual([{ name: 'trending', param: 'category' }]);
    expect(validateSubmit({ job: 'content-popularity', options: { brokers: 'x:1' } }, jobs, { brokers: 'b:9092' }).config).toEqual({ brokers: 'x:1' });
    expect(validateSubmit({ job: 'content-popularity', options: { maxGroups: '50', maxFutureSkew: '2h', restartLimit: 3, maxRecordBytes: 2_000_000 } }, jobs).config).toEqual({ maxGroups: '50', maxFutureSkew: '2h', restartLimit: 3, maxRecordBytes: 2_000_000 });
  });

  it('refuses unknown jobs, and paths of modules it has not loaded', () => {
    expect(refusal({ job: 'nope' })).toMatchObject({ status: 400, field: 'job', message: "job: unknown job 'nope' (this job manager runs: content-popularity; or give the path of a job module)" });
    expect(refusal({ job: '/tmp/evil/job.js' })).toMatchObject({ field: 'job' });
    expect(refusal({})).toMatchObject({ field: 'job' });
  });

  it('names the field of a bad option, checked by the job schema, the runner schema or the graph', () => {
    expect(refusal({ job: 'content-popularity', options: { window: 'often' } })).toMatchObject({ field: 'options.window', message: expect.stringMatching(/^options.window: expected a duration/) });
    expect(refusal({ job: 'content-popularity', options: { slide: '20m' } })).toMatchObject({ field: 'options.slide' });
    expect(refusal({ job: 'content-popularity', options: { parallelism: 0 } })).toMatchObject({ field: 'options.parallelism' });
    expect(refusal({ job: 'content-popularity', options: { stateBackend: 'disk' } })).toMatchObject({ field: 'options.stateBackend' });
    expect(refusal({ job: 'content-popularity', options: { fromSavepoint: 'relative/dir' } })).toMatchObject({ field: 'options.fromSavepoint' });
    expect(refusal({ job: 'content-popularity', options: { maxGroups: 0 } })).toMatchObject({ field: 'options.maxGroups' });
    expect(refusal({ job: 'content-popularity', options: { maxFutureSkew: 'soon' } })).toMatchObject({ field: 'options.maxFutureSkew' });
    expect(refusal({ job: 'content-popularity', options: { restartLimit: '0' } })).toMatchObject({ field: 'options.restartLimit' });
    expect(refusal({ job: 'content-popularity', options: { maxRecordBytes: 10 } })).toMatchObject({ field: 'options.maxRecordBytes' });
    expect(refusal({ job: 'content-popularity', options: { colour: 'red' } })).toMatchObject({ field: 'options.colour', message: "options.colour: unknown field 'colour'" });
    expect(refusal({ job: 'content-popularity', options: [] })).toMatchObject({ field: 'options' });
    expect(refusal({ job: 'content-popularity', extra: 1 })).toMatchObject({ field: 'extra' });
  });

  it('keeps ports, folders and client credentials to the job manager', () => {
    for (const key of ['metricsPort', 'httpHost', 'stateDir', 'kafka']) {
      expect(refusal({ job: 'content-popularity', options: { [key]: 'x' } })).toMatchObject({ status: 400, field: `options.${key}`, message: `options.${key}: set by the job manager, not by a client` });
    }
  });
});

describe('a job module given by path', () => {
  // Compiled (dist/, built by `npm test`): a fresh load adds a query string, which Vite would not compile TypeScript with.
  const path = join(REPO, 'dist', 'jobs', 'watch-time-by-region', 'job.js');

  it('is loaded, from an absolute or a relative path, then submitted as its absolute path', async () => {
    const loaded = await loadSubmittedModule({ job: relative(process.cwd(), path) });
    expect(loaded?.path).toBe(path);
    expect(loaded?.def.name).toBe('watch-time-by-region');
    const s = validateSubmit({ job: relative(process.cwd(), path), options: { window: '5m', bounded: true } }, new Map([...jobs, [path, loaded!.def]]));
    expect(s).toMatchObject({ job: path, config: { window: '5m', bounded: true } });
    expect(await loadSubmittedModule({ job: 'content-popularity' })).toBeUndefined();
  });

  it('is refused with 400 naming job: no such file, a folder, no job, another eddy version', async () => {
    expect(await loadRefusal({ job: '/nowhere/job.js' })).toEqual({ status: 400, field: 'job', message: "job: no job module at /nowhere/job.js on the job manager's host" });
    const folder = mkdtempSync(join(tmpdir(), 'eddy-folder-'));
    expect(await loadRefusal({ job: folder })).toMatchObject({ field: 'job', message: `job: no job module at ${folder} on the job manager's host` });
    const notAJob = jobProject({ job: 'export default 42;\n' });
    expect(await loadRefusal({ job: notAJob })).toMatchObject({ field: 'job', message: `job: ${notAJob} does not export a job: expected 'export default defineJob({ name, description, options, build })'` });
    const other = jobProject({ eddyVersion: '9.9.9' });
    expect(await loadRefusal({ job: other })).toMatchObject({ status: 400, field: 'job', message: expect.stringMatching(/^job: .* imports eddy 9\.9\.9 \(.*\), but this eddy is \d+\.\d+\.\d+\S* \(.*\): the versions must agree/) });
    expect(await loadRefusal({ job: 'x'.repeat(5_000) })).toMatchObject({ field: 'job' });
  });

  it("names the job's own line when its build fails", async () => {
    const broken = jobProject({
      job: `import * as z from 'zod';
export default {
  name: 'broken', description: 'fails to build', options: z.object({}),
  build() {
    throw new Error('no stages');
  },
};
`,
    });
    const loaded = await loadSubmittedModule({ job: broken });
    const e = (() => {
      try {
        validateSubmit({ job: broken }, new Map([[broken, loaded!.def]]));
      } catch (error) {
        return error as ApiError;
      }
      throw new Error('accepted');
    })();
    expect(e).toMatchObject({ status: 400, field: 'options', message: expect.stringMatching(new RegExp(`^options: no stages \\(at ${broken}:5:\\d+\\)$`)) });
  });
});
