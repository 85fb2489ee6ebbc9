/**
 * What a job's own tests import, as `eddy/testing`: the operator harness (the job's graph run in
 * this process, no broker) and `buildJob` (a job definition with options, as `eddy run` builds it).
 *
 * @example
 * import { buildJob, OperatorHarness } from 'eddy/testing';
 * import job from './job.js';
 *
 * const h = await OperatorHarness.create(buildJob(job, { window: '1m' }), { parallelism: 2 });
 * await h.push('events', [{ category: 'movies', eventTime: 1_000 }]);
 * await h.endOfInput();
 * h.output('counts'); // what the sink named 'counts' received
 * await h.close();
 */
export { buildJob } from '../api/job-definition.js';
export { OperatorHarness, type BackendKind, type HarnessOptions, type HarnessSnapshot } from './operator-harness.js';
export type { ExecutorDeadLetter, SinkRecord } from '../runtime/local-executor.js';
