import { describe, expect, it } from 'vitest';
import type { FailureInfo } from './member-failure.js';
import { RestartPolicy, describeStop, type MemberRun } from './restart-policy.js';

const at = (task: string, offset: string | null, error = 'boom'): FailureInfo => ({ error, position: { task, offset }, fatal: false, transient: false });
const run = (member = 0, readyMs = 0, now = 1_000): MemberRun => ({ member, readyMs, now });

describe('RestartPolicy', () => {
  it('restarts until the limit of failures at one position, then stops: a crash loop', () => {
    const policy = new RestartPolicy({ limit: 3 });
    expect(policy.decide(at('partition:3', '1200'), run(0, 0, 10))).toEqual({ restart: true, delayMs: 1_000, failures: 1 });
    expect(policy.decide(at('partition:3', '1200'), run(0, 0, 20))).toEqual({ restart: true, delayMs: 2_000, failures: 2 });
    expect(policy.decide(at('partition:3', '1200'), run(0, 0, 30))).toEqual({ restart: false, reason: 'crash-loop', failures: 3, since: 10 });
  });

  it('counts across members: a poison partition moves between them', () => {
    const policy = new RestartPolicy({ limit: 2 });
    expect(policy.decide(at('partition:3', '1200'), run(0))).toMatchObject({ restart: true, failures: 1 });
    expect(policy.decide(at('partition:3', '1200'), run(1))).toMatchObject({ restart: false, reason: 'crash-loop', failures: 2 });
  });

  it('starts a new count at a new offset, in another task, or with another error', () => {
    const policy = new RestartPolicy({ limit: 2 });
    expect(policy.decide(at('partition:3', '1200'), run())).toMatchObject({ failures: 1 });
    expect(policy.decide(at('partition:3', '1300'), run())).toMatchObject({ restart: true, failures: 1 });
    expect(policy.decide(at('partition:4', '1300'), run())).toMatchObject({ restart: true, failures: 1 });
    expect(policy.decide(at('partition:3', '1300', 'other'), run())).toMatchObject({ restart: true, failures: 1 });
    expect(policy.decide(at('partition:3', null), run())).toMatchObject({ restart: true, failures: 1 });
    // Progress past 1200 was made: coming back to it would be a new story.
    expect(policy.decide(at('partition:3', '1200'), run())).toMatchObject({ restart: true, failures: 1 });
    expect(policy.decide(at('partition:3', '1200'), run())).toMatchObject({ restart: false, failures: 2 });
  });

  it('counts failures outside any task by their error', () => {
    const policy = new RestartPolicy({ limit: 2 });
    const outside = (error: string): FailureInfo => ({ error, position: null, fatal: false, transient: false });
    expect(policy.decide(outside('no such module'), run())).toMatchObject({ restart: true, failures: 1 });
    expect(policy.decide(outside('disk full'), run())).toMatchObject({ restart: true, failures: 1 });
    expect(policy.decide(outside('no such module'), run())).toMatchObject({ restart: false, reason: 'crash-loop', failures: 2 });
  });

  it('never counts transient failures (the broker is away), and backs off up to the maximum', () => {
    const policy = new RestartPolicy({ limit: 1, maxBackoffMs: 8_000 });
    const away: FailureInfo = { ...at('partition:3', '1200', 'KafkaJSConnectionError: Connection refused'), transient: true };
    const delays = Array.from({ length: 6 }, () => policy.decide(away, run()));
    expect(delays.every((d) => d.restart)).toBe(true);
    expect(delays.map((d) => (d.restart ? d.delayMs : -1))).toEqual([1_000, 2_000, 4_000, 8_000, 8_000, 8_000]);
    expect(policy.decide(at('partition:3', '1200'), run())).toMatchObject({ restart: false, reason: 'crash-loop', failures: 1 });
  });

  it('stops at once on a fatal failure', () => {
    const policy = new RestartPolicy({ limit: 5 });
    expect(policy.decide({ ...at('partition:1', '7'), fatal: true }, run(0, 0, 42))).toEqual({ restart: false, reason: 'fatal', failures: 1, since: 42 });
  });

  it('keeps a backoff per member, started over after a stable run, which also starts the count over', () => {
    const policy = new RestartPolicy({ limit: 3, stableMs: 60_000 });
    expect(policy.decide(at('partition:0', '5'), run(0))).toMatchObject({ delayMs: 1_000, failures: 1 });
    expect(policy.decide(at('partition:0', '5'), run(0))).toMatchObject({ delayMs: 2_000, failures: 2 });
    expect(policy.decide(at('partition:1', '9'), run(1))).toMatchObject({ delayMs: 1_000 });
    // An idle partition's offset stays put: failing there after an hour of work is no crash loop.
    expect(policy.decide(at('partition:0', '5'), run(0, 3_600_000))).toEqual({ restart: true, delayMs: 1_000, failures: 1 });
    expect(policy.decide(at('partition:0', '5'), run(0))).toMatchObject({ delayMs: 2_000, failures: 2 });
  });

  it('refuses a limit below 1', () => {
    expect(() => new RestartPolicy({ limit: 0 })).toThrow(/restart limit 0/);
  });
});

describe('describeStop', () => {
  it('names the member\'s position and the error\'s first line', () => {
    const base = { member: 'member-0', failures: 5, since: 0, error: 'boom\n    at f (x.js:1:1)' };
    expect(describeStop({ ...base, reason: 'crash-loop', task: 'partition:3', offset: '1200' })).toBe('crash loop: failed 5 times at partition:3, offset 1200: boom');
    expect(describeStop({ ...base, reason: 'crash-loop', task: 'merge:0', offset: null })).toBe('crash loop: failed 5 times at merge:0, nothing committed yet: boom');
    expect(describeStop({ ...base, reason: 'crash-loop', task: null, offset: null })).toBe('crash loop: failed 5 times outside any task: boom');
    expect(describeStop({ ...base, reason: 'fatal', failures: 1, task: 'partition:1', offset: '7' })).toBe('fatal failure at partition:1, offset 7: boom');
  });
});
