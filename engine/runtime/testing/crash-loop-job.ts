/**
 * A job whose members fail the same way every time, for crash-loop tests through the real runner:
 * its graph builds on the main thread (where `eddy run` validates it before starting members) and
 * throws in a member thread, so every start of every member fails with one error, outside any task.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMainThread } from 'node:worker_threads';
import * as z from 'zod';
import { defineJob, jsonSerde } from '../../index.js';

export const CRASH_LOOP_ERROR = 'this test job does not build in a member thread';

/** This module compiled, as tests (which run from source) pass it to `eddy run <path>`. */
export const CRASH_LOOP_JOB = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'dist', 'engine', 'runtime', 'testing', 'crash-loop-job.js');

export default defineJob({
  name: 'crash-loop',
  description: 'fails in every member thread (a crash-loop test)',
  options: z.strictObject({ inputTopic: z.string().default('crash-loop-in') }),
  build(b, o) {
    if (!isMainThread) throw new Error(CRASH_LOOP_ERROR);
    b.source('in', { topic: o.inputTopic, serde: jsonSerde(z.unknown()), timestamp: () => 0 })
      .sink('out', { topic: `${o.inputTopic}-out`, encode: (v) => ({ key: null, value: JSON.stringify(v) }) });
  },
});
