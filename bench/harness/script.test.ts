import { afterEach, describe, expect, it, vi } from 'vitest';
import * as z from 'zod';
import { numberFlag } from '../../engine/config/units.js';
import { benchOptions, commandLine } from './script.js';

const Options = z.strictObject({
  latencyRates: z.string().default('20000/min'),
  events: numberFlag((n) => n.int().positive()).default(10),
});

describe('benchOptions', () => {
  afterEach(() => vi.restoreAllMocks());

  it('takes each option as a kebab-case flag and applies the defaults', () => {
    expect(benchOptions(['--latency-rates', '5/s'], Options, 'usage\n')).toEqual({ latencyRates: '5/s', events: 10 });
  });

  it('prints the usage for --help and -h and returns nothing to run', () => {
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    expect(benchOptions(['--help'], Options, 'Usage: bench\n')).toBeUndefined();
    expect(benchOptions(['-h', '--events', 'x'], Options, 'Usage: bench\n')).toBeUndefined();
    expect(write.mock.calls).toEqual([['Usage: bench\n'], ['Usage: bench\n']]);
  });

  it('names the flag of a bad value and refuses an unknown flag', () => {
    expect(() => benchOptions(['--events', '-3'], Options, '')).toThrow(/--events/);
    expect(() => benchOptions(['--latency-rate', '5/s'], Options, '')).toThrow(/--latency-rate/);
  });
});

describe('commandLine', () => {
  it('adds the flags after -- only when there are any', () => {
    expect(commandLine('bench', [])).toBe('npm run bench');
    expect(commandLine('bench:recovery', ['--engines', 'eddy'])).toBe('npm run bench:recovery -- --engines eddy');
  });
});
