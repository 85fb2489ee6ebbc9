/**
 * The log of `eddy run` on a pipe, through the real entry point: every stderr line is one JSON
 * object, the runner's, its members' (with `member`), its tasks' (with `task` and `partition`) and
 * kafkajs's (with `component: "kafkajs"`) alike; `--log-level` filters all of them.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { createTopics, uniqueName } from '../../connectors/kafka/testing/fixtures.js';
import { produceWatchEvents } from '../../jobs/content-popularity/testing/trending-fixtures.js';
import { runEddy } from '../cli/testing/eddy-process.js';
import { splitStderr, type JsonLogLine } from './testing/log-capture.js';

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/** A bounded run of content-popularity over `input`, kafkajs logging from `info` up. */
async function run(input: string, logLevel: string): Promise<{ code: number; logs: JsonLogLine[]; other: string[]; stderr: string }> {
  const r = await runEddy([
    'run', 'content-popularity', '--brokers', inject('kafkaBrokers'), '--input-topic', input, '--output-topic', uniqueName('log-out'), '--bounded',
    '--idle-timeout', '0ms', '--parallelism', '2', '--metrics-port', '0', '--state-dir', mkdtempSync(join(tmpdir(), 'eddy-log-')), '--group-id', uniqueName('log-g'),
    '-D', 'kafka.log-level=info', '--log-level', logLevel,
  ]);
  return { code: r.code, stderr: r.stderr, ...splitStderr(r.stderr) };
}

describe('the log of eddy run', () => {
  it('is JSON lines on a pipe, with member, task and kafkajs fields, filtered by --log-level', async () => {
    const input = uniqueName('log-in');
    await createTopics([{ name: input, partitions: 2 }]);
    await produceWatchEvents(input, 500, { seed: 4 });

    const debug = await run(input, 'debug');
    expect(debug.code, debug.stderr.slice(-3_000)).toBe(0);
    expect(debug.other).toEqual([]);
    for (const line of debug.logs) {
      expect(line).toMatchObject({ time: expect.stringMatching(ISO), level: expect.stringMatching(/^(error|warn|info|debug)$/), msg: expect.any(String), job: 'content-popularity' });
    }
    const levels = new Set(debug.logs.map((l) => l.level));
    expect(levels).toContain('info');
    expect(levels).toContain('debug');
    expect(debug.logs).toContainEqual(expect.objectContaining({ level: 'info', msg: expect.stringMatching(/^serving http:/), url: expect.stringMatching(/^http:/) }));
    // A task's lines name the member and the task; each member of the two logs its own.
    const tasks = debug.logs.filter((l) => l.task !== undefined);
    expect(tasks.length).toBeGreaterThan(0);
    for (const line of tasks) expect(line).toMatchObject({ member: expect.stringMatching(/^member-[01]$/), task: expect.stringMatching(/^(watch-events|top-k):\d+$/), partition: expect.any(Number) });
    expect(tasks).toContainEqual(expect.objectContaining({ level: 'debug', msg: expect.stringMatching(/^open in \d+ ms$/) }));
    expect(new Set(debug.logs.filter((l) => l.member !== undefined).map((l) => l.member))).toEqual(new Set(['member-0', 'member-1']));
    // kafkajs's lines in the same shape, from the member threads too.
    const kafkajs = debug.logs.filter((l) => l.component === 'kafkajs');
    expect(kafkajs.length).toBeGreaterThan(0);
    for (const line of kafkajs) expect(line).toMatchObject({ namespace: expect.any(String) });
    expect(kafkajs).toContainEqual(expect.objectContaining({ level: 'info', member: expect.stringMatching(/^member-[01]$/) }));

    const warn = await run(input, 'warn');
    expect(warn.code, warn.stderr.slice(-3_000)).toBe(0);
    expect(warn.other).toEqual([]);
    expect(warn.logs.filter((l) => l.level !== 'warn' && l.level !== 'error')).toEqual([]);
  });
});
