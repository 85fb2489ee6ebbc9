import { describe, expect, it } from 'vitest';
import type { RunStatus } from '../runtime/runner-monitor.js';
import { DemoScreen, jobLines } from './demo-screen.js';

const status = (over: Partial<RunStatus> = {}): RunStatus => ({
  job: 'content-popularity', groupId: 'g', state: 'running', startedAt: 0, parallelism: 1, restarts: 0, records: 1234, deadLettered: 0,
  checkpoints: { completed: 0, failed: 0, last: null }, members: [{ member: 'member-0', state: 'running', since: 0, lastFailure: null }], crashLoops: [], ...over,
});

const restarting = status({
  restarts: 2,
  members: [{ member: 'member-0', state: 'restarting', since: 0, lastFailure: { error: 'KafkaJSProtocolError: boom\n    at stack', task: 't', offset: '5', at: 0 } }],
});

describe('the demo screen', () => {
  it("shows the job's restarts and each member that is not running, with its latest error", () => {
    expect(jobLines(status())).toEqual(['job: running, 1 of 1 member(s) running, 1,234 records read, 0 restart(s), 0 dead-lettered']);
    expect(jobLines(restarting)).toEqual([
      'job: running, 0 of 1 member(s) running, 1,234 records read, 2 restart(s), 0 dead-lettered',
      '  member-0 restarting: KafkaJSProtocolError: boom',
    ]);
  });

  it("draws the job's display and, on a terminal, the newest messages", async () => {
    const written: string[] = [];
    const screen = new DemoScreen({ title: 'Eddy demo', url: 'http://h:1', views: ['trending'], status: async () => restarting, tty: false, write: (t) => written.push(t), writeError: (l) => written.push(`stderr ${l}`) });
    screen.show(() => ['Top 1 overall']);
    screen.message('job', 'member-0 failed (restart 2, in 1 s): boom');
    screen.changed();
    await new Promise((r) => setTimeout(r, 10));
    expect(written[0]).toMatch(/^stderr \d\d:\d\d:\d\d job: member-0 failed/);
    expect(written[1]).toContain('trending: http://h:1/v1/trending');
    expect(written[1]).toContain('member-0 restarting: KafkaJSProtocolError: boom');
    expect(written[1]).toContain('Top 1 overall');

    const tty = new DemoScreen({ title: 'Eddy demo', url: 'http://h:1', views: [], status: async () => restarting, tty: true, write: () => undefined, writeError: () => undefined });
    for (let i = 0; i < 10; i++) tty.message('generator', `message ${i}`);
    const frame = tty.frame();
    expect(frame).toContain('message 9');
    expect(frame).not.toContain('message 3');
  });
});
