/** The poison job (poison-job.ts) under the `fail` policy: the first record a function keeps throwing on stops it. */
import { defineJob } from '../../../engine/index.js';
import poisonJob from './poison-job.js';

export default defineJob({ ...poisonJob, name: 'content-popularity-poison-fail', userCode: { onError: 'fail', attempts: 2 } });
