import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { durationMs } from '../config/units.js';
import { OTHER_VARIABLES } from '../config/flag-env.js';
import { CliError, commandVariables, parseCommand, type ParseOptions } from './flags.js';

const schema = z.strictObject({
  windowSize: durationMs.prefault('10m'),
  top: z.coerce.number().int().positive().default(10),
  brokers: z.string().optional(),
  json: z.boolean().default(false),
  kafka: z.strictObject({ clientId: z.string().optional(), retry: z.strictObject({ retries: z.number().int() }).optional() }).default({}),
});
const flags = { 'window-size': { type: 'string' as const }, top: { type: 'string' as const }, brokers: { type: 'string' as const }, json: { type: 'boolean' as const } };
const dir = mkdtempSync(join(tmpdir(), 'eddy-flags-'));
const configFile = (values: object): string => {
  const file = join(dir, `c${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify(values));
  return file;
};
/** No variables and no warnings unless a test gives them. */
const parse = (argv: string[], o: Partial<ParseOptions> = {}) => parseCommand(argv, flags, schema, { command: 'test', env: {}, warn: () => undefined, ...o });

describe('parseCommand', () => {
  it('applies defaults, then --config, then -D, then explicit flags', () => {
    const file = configFile({ top: 3, windowSize: '1m' });
    expect(parse([]).options).toEqual({ windowSize: 600_000, top: 10, json: false, kafka: {} });
    expect(parse(['--config', file]).options.top).toBe(3);
    const o = parse(['--config', file, '-D', 'top=4', '-D', 'kafka.client-id=x', '-D', 'kafka.retry.retries=2', '--window-size', '30s']).options;
    expect(o).toEqual({ windowSize: 30_000, top: 4, json: false, kafka: { clientId: 'x', retry: { retries: 2 } } });
  });

  // One layer against another, each alone with the option: the higher one's value is taken.
  const layers = {
    flag: { argv: ['--top', '1'] },
    env: { env: { EDDY_TEST_TOP: '2' } },
    D: { argv: ['-D', 'top=3'] },
    config: { argv: ['--config', configFile({ top: 4 })] },
  };
  it.each([
    ['flag', 'env', 1], ['flag', 'D', 1], ['flag', 'config', 1],
    ['env', 'D', 2], ['env', 'config', 2],
    ['D', 'config', 3],
  ] as const)('%s wins over %s', (high, low, top) => {
    const [a, b] = [layers[high], layers[low]];
    const argv = [...('argv' in a ? a.argv : []), ...('argv' in b ? b.argv : [])];
    const env = { ...('env' in a ? a.env : {}), ...('env' in b ? b.env : {}) };
    expect(parse(argv, { env }).options.top).toBe(top);
  });

  it('reads EDDY_<COMMAND>_<FLAG>, and EDDY_<FLAG> for shared flags only, the command’s own first', () => {
    expect(parse([], { env: { EDDY_TEST_WINDOW_SIZE: '1m', EDDY_TEST_JSON: 'true' } }).options).toMatchObject({ windowSize: 60_000, json: true });
    expect(parse([], { env: { EDDY_BROKERS: 'shared:9092' } }).options.brokers).toBe('shared:9092');
    expect(parse([], { env: { EDDY_BROKERS: 'shared:9092', EDDY_TEST_BROKERS: 'own:9092' } }).options.brokers).toBe('own:9092');
    expect(parse([], { env: { EDDY_TOP: '5', EDDY_OTHER_TOP: '6' } }).options.top).toBe(10); // not shared; another command's
    expect(parse([], { env: { EDDY_TEST_TOP: '' } }).options.top).toBe(10); // empty is unset
    expect(parse([], { env: { EDDY_TEST_JSON: '0' } }).options.json).toBe(false);
    expect(parse([], { env: { EDDY_TEST_CONFIG: configFile({ top: 7 }) } }).options.top).toBe(7);
    expect(parse(['--config', configFile({ top: 8 })], { env: { EDDY_TEST_CONFIG: configFile({ top: 7 }) } }).options.top).toBe(8);
  });

  it('lists the variables it reads for a command, each of which sets its option', () => {
    const own = [...commandVariables('test', flags)].filter((v) => !OTHER_VARIABLES.includes(v));
    expect(own.sort()).toEqual(['EDDY_BROKERS', 'EDDY_TEST_BROKERS', 'EDDY_TEST_CONFIG', 'EDDY_TEST_JSON', 'EDDY_TEST_TOP', 'EDDY_TEST_WINDOW_SIZE']);
    expect(commandVariables('test', flags)).toEqual(new Set([...own, ...OTHER_VARIABLES]));
    const value = (v: string): string => ({ EDDY_TEST_CONFIG: configFile({ top: 7 }), EDDY_TEST_JSON: 'true', EDDY_TEST_WINDOW_SIZE: '1m', EDDY_TEST_TOP: '3' })[v] ?? 'b:9092';
    for (const v of own) expect(parse([], { env: { [v]: value(v) } }).options, v).not.toEqual(parse([]).options);
  });

  it('names the variable when its value is invalid, and the flag when the flag overrides it', () => {
    expect(() => parse([], { env: { EDDY_TEST_TOP: 'many' } })).toThrow(/^EDDY_TEST_TOP: /);
    expect(() => parse(['--top', '0'], { env: { EDDY_TEST_TOP: '3' } })).toThrow(/^--top: /);
    expect(() => parse([], { env: { EDDY_TEST_WINDOW_SIZE: 'soon' } })).toThrow(/^EDDY_TEST_WINDOW_SIZE: expected a duration/);
    expect(() => parse([], { env: { EDDY_TEST_JSON: 'maybe' } })).toThrow(/^EDDY_TEST_JSON: expected true or false/);
    expect(() => parse([], { env: { EDDY_TEST_CONFIG: '/does/not/exist.json' } })).toThrow(/^EDDY_TEST_CONFIG: cannot read/);
  });

  it('warns about a variable of the command that sets no flag, with a guess', () => {
    const lines: string[] = [];
    parse([], { env: { EDDY_TEST_WINDOW_SIZ: '1m', EDDY_TEST_TOP: '3', EDDY_HOME: '/x' }, warn: (l) => lines.push(l) });
    expect(lines).toEqual(["eddy test: warning: EDDY_TEST_WINDOW_SIZ sets no flag of 'eddy test' (did you mean EDDY_TEST_WINDOW_SIZE?)"]);
  });

  it.each([
    [['--top', 'many'], /^--top: /],
    [['--window-size', 'soon'], /^--window-size: expected a duration/],
    [['--nope'], /Unknown option '--nope'/],
    [['--tpo', '3'], /Unknown option '--tpo': did you mean '--top'\?/],
    [['extra'], /unexpected argument 'extra'/],
    [['-D', 'novalue'], /^-D: expected key=value/],
    [['-D', 'kafka.retry.retries=x'], /^kafka\.retry\.retries: /],
    [['-D', 'colour=red'], /unknown option\(s\) colour/],
    [['--config', '/does/not/exist.json'], /^--config: cannot read/],
  ])('rejects %j naming the flag', (argv, message) => {
    expect(() => parse(argv)).toThrow(CliError);
    expect(() => parse(argv)).toThrow(message);
  });

  it('reports --help without validating', () => {
    expect(parse(['--help', '--top', 'x'], { env: { EDDY_TEST_TOP: 'y' } }).help).toBe(true);
  });
});
