/**
 * A crash loop through the real CLI: members that fail the same way at every start (the crash-loop job)
 * are restarted `--restart-limit` times in all, counted across members, then a bounded run stops and
 * `eddy run` exits 1 with one line naming where and why, instead of restarting them forever. The job
 * manager's record of such a runner (JobProcess, what `eddy status` prints) shows it.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { uniqueName, waitFor } from '../../connectors/kafka/testing/fixtures.js';
import { startServingEddy, type ServingEddy } from '../cli/testing/eddy-process.js';
import { JobProcess } from '../cluster/job-process.js';
import { splitStderr } from '../log/testing/log-capture.js';
import type { RunStatus } from './runner-monitor.js';
import { CRASH_LOOP_ERROR, CRASH_LOOP_JOB } from './testing/crash-loop-job.js';

const EDDY = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist', 'engine', 'cli', 'eddy.js');
const children: ServingEddy[] = [];
const jobs: JobProcess[] = [];
afterEach(() => {
  children.splice(0).forEach((c) => c.kill());
  for (const j of jobs.splice(0)) if (!j.terminal && j.pid !== undefined) process.kill(j.pid, 'SIGKILL');
});
/** The crash-loop job as the job manager runs a job: an `eddy run` child with a `--config` file. */
const crashLoopJob = (config: Record<string, unknown>): JobProcess => {
  const job = JobProcess.start({ id: uniqueName('crash-loop-job'), job: CRASH_LOOP_JOB, config: { brokers: inject('kafkaBrokers'), groupId: uniqueName('crash-loop'), restartLimit: 2, ...config }, dir: mkdtempSync(join(tmpdir(), 'eddy-crash-loop-jm-')), eddyScript: EDDY });
  jobs.push(job);
  return job;
};

describe('crash loop', () => {
  it('a bounded run whose members keep failing at the same place exits 1 naming it, in bounded time', async () => {
    const runner = startServingEddy([
      'run', CRASH_LOOP_JOB, '--bounded', '--parallelism', '2', '--restart-limit', '2', '--brokers', inject('kafkaBrokers'),
      '--group-id', uniqueName('crash-loop'), '--state-dir', mkdtempSync(join(tmpdir(), 'eddy-crash-loop-')), '--metrics-port', '0',
    ]);
    children.push(runner);
    // Restarted forever, it would still run at the deadline.
    const code = await Promise.race([runner.exitCode, new Promise<'running'>((r) => setTimeout(() => r('running'), 30_000))]);
    expect(code, runner.stderr().slice(-2_000)).toBe(1);
    // The run's reason is the CLI's own last line; the member that stopped is logged once (a JSON line).
    const { logs, other } = splitStderr(runner.stderr());
    expect(other).toEqual([expect.stringMatching(new RegExp(`^eddy run: member-[01]: crash loop: failed 2 times outside any task: ${CRASH_LOOP_ERROR}$`))]);
    expect(logs.filter((l) => l.msg.endsWith('; not restarting it'))).toEqual([expect.objectContaining({ level: 'error', member: expect.stringMatching(/^member-[01]$/) })]);
  });

  it('the job manager shows a bounded crash loop as failed, with the runner\'s reason', async () => {
    const job = crashLoopJob({ bounded: true });
    await Promise.race([job.exited, new Promise((r) => setTimeout(r, 30_000))]);
    expect(job.toJSON()).toMatchObject({ state: 'failed', exitCode: 1, failure: `eddy run: member-0: crash loop: failed 2 times outside any task: ${CRASH_LOOP_ERROR}` });
  });

  it('the job manager passes an unbounded runner\'s crash loops on from its status', async () => {
    const job = crashLoopJob({});
    let status: RunStatus | undefined;
    const crashLoop = async (): Promise<boolean> => {
      status = (await job.runner('/v1/status').catch(() => undefined)) as RunStatus | undefined;
      return (status?.crashLoops.length ?? 0) > 0;
    };
    await waitFor('the crash loop', crashLoop, 30_000);
    expect(status).toMatchObject({ state: 'running', crashLoops: [{ member: 'member-0', reason: 'crash-loop', error: CRASH_LOOP_ERROR, failures: 2 }] });
    expect(job.state).toBe('running');
    job.cancel();
    await job.exited;
    expect(job.state).toBe('cancelled');
  });
});
