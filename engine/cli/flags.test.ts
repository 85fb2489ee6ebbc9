import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { durationMs } from '../config/units.js';
import { CliError, parseCommand } from './flags.js';

const schema = z.strictObject({
  windowSize: durationMs.prefault('10m'),
  top: z.coerce.number().int().positive().default(10),
  kafka: z.strictObject({ clientId: z.string().optional(), retry: z.strictObject({ retries: z.number().int() }).optional() }).default({}),
});
const flags = { 'window-size': { type: 'string' as const }, top: { type: 'string' as const } };

describe('parseCommand', () => {
  it('applies defaults, then --config, then -D, then explicit flags', () => {
    const dir = mkdtempSync(join(tmpdir(), 'eddy-flags-'));
    const file = join(dir, 'c.json');
    writeFileSync(file, JSON.stringify({ top: 3, windowSize: '1m' }));
    expect(parseCommand([], flags, schema).options).toEqual({ windowSize: 600_000, top: 10, kafka: {} });
    expect(parseCommand(['--config', file], flags, schema).options.top).toBe(3);
    const o = parseCommand(['--config', file, '-D', 'top=4', '-D', 'kafka.client-id=x', '-D', 'kafka.retry.retries=2', '--window-size', '30s'], flags, schema).options;
    expect(o).toEqual({ windowSize: 30_000, top: 4, kafka: { clientId: 'x', retry: { retries: 2 } } });
    expect(parseCommand(['-D', 'top=4', '--top', '5'], flags, schema).options.top).toBe(5);
  });

  it.each([
    [['--top', 'many'], /^--top: /],
    [['--window-size', 'soon'], /^--window-size: expected a duration/],
    [['--nope'], /Unknown option '--nope'/],
    [['extra'], /unexpected argument 'extra'/],
    [['-D', 'novalue'], /^-D: expected key=value/],
    [['-D', 'kafka.retry.retries=x'], /^kafka\.retry\.retries: /],
    [['-D', 'colour=red'], /unknown option\(s\) colour/],
    [['--config', '/does/not/exist.json'], /^--config: cannot read/],
  ])('rejects %j naming the flag', (argv, message) => {
    expect(() => parseCommand(argv, flags, schema)).toThrow(CliError);
    expect(() => parseCommand(argv, flags, schema)).toThrow(message);
  });

  it('reports --help without validating', () => {
    expect(parseCommand(['--help', '--top', 'x'], flags, schema).help).toBe(true);
  });
});
