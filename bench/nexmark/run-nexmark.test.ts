import { afterEach, describe, expect, it, vi } from 'vitest';
import { runNexmark } from './run-nexmark.js';

describe('npm run bench:nexmark flags', () => {
  afterEach(() => vi.restoreAllMocks());

  it('prints its usage for --help and runs nothing', async () => {
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const log = vi.fn();
    expect(await runNexmark(['--help'], log)).toBeUndefined();
    expect(String(write.mock.calls[0]?.[0])).toMatch(/^Usage: npm run bench:nexmark -- \[options\]/);
    expect(log).not.toHaveBeenCalled();
  });

  it.each([
    [['--bids', '0'], /--bids/],
    [['--repetitions', '1.5'], /--repetitions/],
    [['--engines', 'eddy,spark'], /--engines/],
    [['--bid', '10'], /--bid/],
    [['--empty-runs', 'maybe'], /--empty-runs/],
  ])('refuses %j before producing anything', async (argv, flag) => {
    const log = vi.fn();
    await expect(runNexmark(argv, log)).rejects.toThrow(flag);
    expect(log).not.toHaveBeenCalled();
  });
});
