import { describe, expect, it } from 'vitest';
import contentPopularity from '../../jobs/content-popularity/job.js';
import type { JobDefinition } from '../api/job-definition.js';
import { ApiError } from '../http/json-api.js';
import { validateSubmit } from './submit-request.js';

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

describe('validateSubmit', () => {
  it('accepts runner and job options as flags or JSON, and names the views', () => {
    const s = validateSubmit({ job: 'content-popularity', options: { top: '3', window: '1m', parallelism: 2, bounded: 'true', checkpointInterval: '250ms' } }, jobs, { brokers: 'b:9092' });
    expect(s.config).toEqual({ brokers: 'b:9092', top: '3', window: '1m', parallelism: 2, bounded: true, checkpointInterval: '250ms' });
    expect(s.views).toEqual([{ name: 'trending', param: 'category' }]);
    expect(validateSubmit({ job: 'content-popularity', options: { brokers: 'x:1' } }, jobs, { brokers: 'b:9092' }).config).toEqual({ brokers: 'x:1' });
    expect(validateSubmit({ job: 'content-popularity', options: { maxGroups: '50', maxFutureSkew: '2h', restartLimit: 3, maxRecordBytes: 2_000_000 } }, jobs).config).toEqual({ maxGroups: '50', maxFutureSkew: '2h', restartLimit: 3, maxRecordBytes: 2_000_000 });
  });

  it('refuses unknown jobs, paths included', () => {
    expect(refusal({ job: 'nope' })).toMatchObject({ status: 400, field: 'job', message: "job: unknown job 'nope' (this job manager runs: content-popularity)" });
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
