import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import * as z from 'zod';
import { parseCommand } from '../cli/flags.js';
import { Logger, LogLevelSchema, type LogRecord } from './logger.js';

/** A stream that keeps what is written, a terminal or not. */
function stream(isTTY: boolean): { write(text: string): boolean; isTTY: boolean; text: string[] } {
  const text: string[] = [];
  return { isTTY, text, write: (t) => (text.push(t), true) };
}

const NOW = '2026-12-06T03:41:07.512Z';

describe('Logger', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date(NOW));
  });
  afterEach(() => vi.useRealTimers());

  it('writes one JSON object per line where the stream is no terminal: time, level, msg, then the fields', () => {
    const out = stream(false);
    Logger.create({}, out).child({ job: 'cp', member: 'member-0' }).info('opened', { task: 'source:3', partition: 3 });
    expect(out.text).toEqual(['{"time":"2026-12-06T03:41:07.512Z","level":"info","msg":"opened","job":"cp","member":"member-0","task":"source:3","partition":3}\n']);
  });

  it('writes what is at or above its level only (default info)', () => {
    const out = stream(false);
    const info = Logger.create({}, out);
    const warn = Logger.create({ level: 'warn' }, out);
    for (const log of [info, warn]) {
      log.debug('d');
      log.info('i');
      log.warn('w');
      log.error('e');
    }
    expect(out.text.map((l) => (JSON.parse(l) as { msg: string }).msg)).toEqual(['i', 'w', 'e', 'w', 'e']);
    expect([warn.enabled('error'), warn.enabled('warn'), warn.enabled('info'), warn.enabled('debug')]).toEqual([true, true, false, false]);
    expect(Logger.create({ level: 'debug' }, out).enabled('debug')).toBe(true);
  });

  it("merges fields: a child's over its parent's, a call's over both; time, level and msg stay the logger's", () => {
    const records: LogRecord[] = [];
    const parent = new Logger((r) => void records.push(r), 'info', { job: 'cp', member: 'member-0' });
    const child = parent.child({ member: 'member-1', task: 'source:0' });
    child.info('one', { task: 'source:1', offset: 7 });
    parent.info('two');
    expect(records.map((r) => r.fields)).toEqual([{ job: 'cp', member: 'member-1', task: 'source:1', offset: 7 }, { job: 'cp', member: 'member-0' }]);
    const out = stream(false);
    Logger.create({}, out).info('real', { msg: 'fake', level: 'error', time: 'never' });
    expect(JSON.parse(out.text[0]!)).toEqual({ time: NOW, level: 'info', msg: 'real' });
  });

  it('writes a readable line on a terminal: time, level, member and task, message, other fields', () => {
    const out = stream(true);
    const log = Logger.create({ level: 'debug' }, out).child({ job: 'cp', member: 'member-0', task: 'source:3', partition: 3 });
    log.warn('slow commit', { ms: 900, topic: 'cp-changelog', note: 'two words', tasks: ['source:3', 'top-k:0'] });
    Logger.create({}, out).info('plain');
    Logger.create({}, out).child({ component: 'kafkajs' }).error('Connection error', { broker: '127.0.0.1:9092' });
    expect(out.text).toEqual([
      '03:41:07 WARN  member-0 task source:3  slow commit ms=900 topic=cp-changelog note="two words" tasks=["source:3","top-k:0"]\n',
      '03:41:07 INFO  plain\n',
      '03:41:07 ERROR kafkajs  Connection error broker=127.0.0.1:9092\n',
    ]);
  });

  it('serializes errors (message, stack, cause) and bigints, in JSON and on a terminal', () => {
    const cause = new Error('broker gone');
    const error = new Error('commit failed', { cause });
    const json = stream(false);
    Logger.create({}, json).error('task failed', { error, offset: 12345678901234567890n });
    const logged = JSON.parse(json.text[0]!) as { error: { message: string; stack: string; cause: { message: string; stack: string } }; offset: string };
    expect(logged.error.message).toBe('commit failed');
    expect(logged.error.stack).toMatch(/^Error: commit failed\n {4}at /);
    expect(logged.error.cause.message).toBe('broker gone');
    expect(logged.error.cause.stack).toMatch(/^Error: broker gone\n/);
    expect(logged.offset).toBe('12345678901234567890');
    const tty = stream(true);
    Logger.create({}, tty).error('task failed', { error });
    const [line, ...stack] = tty.text[0]!.trimEnd().split('\n');
    expect(line).toBe('03:41:07 ERROR  task failed error="commit failed"');
    expect(stack[0]).toBe('    Error: commit failed');
    expect(stack.length).toBeGreaterThan(1);
    expect(stack.every((l) => l.startsWith('    '))).toBe(true);
  });

  it('forwards a record logged elsewhere (a member thread) at its own level, under its own fields', () => {
    const sent: LogRecord[] = [];
    const member = new Logger((r) => void sent.push(r), 'debug', { member: 'member-0' });
    member.child({ task: 'top-k:0' }).debug('open in 3 ms');
    member.warn('restarting');
    const records: LogRecord[] = [];
    const runner = new Logger((r) => void records.push(r), 'info', { job: 'cp', member: 'runner' });
    for (const r of sent) runner.forward(r);
    expect(records).toEqual([{ time: NOW, level: 'warn', msg: 'restarting', fields: { job: 'cp', member: 'member-0' } }]);
    runner.child({}).forward({ ...sent[0]!, level: 'error' });
    expect(records.at(-1)!.fields).toEqual({ job: 'cp', member: 'member-0', task: 'top-k:0' });
  });

  it('refuses an unknown level: the option names the field, the CLI the flag or the variable', () => {
    expect(() => Logger.create({ level: 'loud' as never })).toThrow('logger option level: expected one of error, warn, info, debug, got "loud"');
    const schema = z.object({ logLevel: LogLevelSchema.default('info') });
    const flags = { 'log-level': { type: 'string' } } as const;
    expect(() => parseCommand(['--log-level', 'verbose'], flags, schema, { command: 'run', env: {} })).toThrow('--log-level: expected one of error, warn, info, debug, got "verbose"');
    expect(() => parseCommand([], flags, schema, { command: 'run', env: { EDDY_RUN_LOG_LEVEL: 'trace' } })).toThrow('EDDY_RUN_LOG_LEVEL: expected one of error, warn, info, debug, got "trace"');
    expect(parseCommand([], flags, schema, { command: 'cluster', env: { EDDY_CLUSTER_LOG_LEVEL: 'debug' } }).options.logLevel).toBe('debug');
    expect(parseCommand([], flags, schema, { command: 'run', env: {} }).options.logLevel).toBe('info');
  });
});
