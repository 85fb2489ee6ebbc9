import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import type { FailureInfo } from './member-failure.js';
import { RunnerMonitor } from './runner-monitor.js';

const ports: MessagePort[] = [];
afterEach(() => ports.splice(0).forEach((p) => p.close()));
const port = (): MessagePort => {
  const { port1, port2 } = new MessageChannel();
  ports.push(port1, port2);
  return port1;
};
const poison: FailureInfo = { error: 'boom\n  at f (x.js:1:1)', position: { task: 'partition:3', offset: '1200' }, fatal: false, transient: false };

describe('RunnerMonitor readiness', () => {
  it('is ready only while every member is attached with its tasks open and the run is running', () => {
    const m = new RunnerMonitor({ job: 'j', groupId: 'g', parallelism: 2 });
    expect(m.readiness()).toEqual({ ready: false, reasons: ['member-0 has not started', 'member-1 has not started'] });
    m.attach(0, port());
    m.attach(1, port());
    m.onMessage({ type: 'ready', ready: true }, 0);
    expect(m.readiness()).toEqual({ ready: false, reasons: ['member-1 is starting: its tasks are not all open yet'] });
    m.onMessage({ type: 'ready', ready: true }, 1);
    expect(m.readiness()).toEqual({ ready: true, reasons: [] });
    // A rebalance hands member-1 new tasks to open.
    m.onMessage({ type: 'ready', ready: false }, 1);
    expect(m.readiness().ready).toBe(false);
    m.onMessage({ type: 'ready', ready: true }, 1);
    m.state = 'stopping';
    expect(m.readiness()).toEqual({ ready: false, reasons: ['the run is stopping'] });
  });

  it('is not ready while a member waits to restart or is in a crash loop, and says where it failed', async () => {
    const m = new RunnerMonitor({ job: 'j', groupId: 'g', parallelism: 1 });
    m.attach(0, port());
    m.onMessage({ type: 'ready', ready: true }, 0);
    m.detach(0);
    m.restarting(0, poison);
    // A ready message still on its way from the failed run changes nothing.
    m.onMessage({ type: 'ready', ready: true }, 0);
    expect(m.readiness()).toEqual({ ready: false, reasons: ['member-0 waits to restart after failing at partition:3, offset 1200: boom'] });
    m.attach(0, port());
    m.detach(0);
    m.stopped(0, poison, { member: 'member-0', reason: 'crash-loop', task: 'partition:3', offset: '1200', error: poison.error, failures: 5, since: 7 });
    expect(m.readiness()).toEqual({ ready: false, reasons: ['member-0 is not restarted: crash loop: failed 5 times at partition:3, offset 1200: boom'] });

    const status = await m.status();
    expect(status).toMatchObject({ restarts: 1, crashLoops: [{ member: 'member-0', reason: 'crash-loop', task: 'partition:3', offset: '1200', failures: 5, since: 7 }] });
    expect(status.members).toEqual([{ member: 'member-0', state: 'crash-loop', since: expect.any(Number), lastFailure: { error: poison.error, task: 'partition:3', offset: '1200', at: expect.any(Number) } }]);
    expect((await m.renderMetrics()).body).toMatch(/^eddy_crash_looping_members\{job_name="j"\} 1$/m);
  });
});
