import { describe, expect, it } from 'vitest';
import { behind } from './recovery-run.js';

describe("the recovery harness's measure of committed input", () => {
  it('counts per partition: one partition ahead does not hide one that lags', () => {
    const atKill = new Map([[0, 100n], [1, 100n], [2, 0n]]);
    // The sum (205) passes the kill's (200), but partition 1 is 15 records short.
    expect(behind(atKill, new Map([[0, 120n], [1, 85n], [2, 0n]]))).toBe(15n);
    expect(behind(atKill, new Map([[0, 100n], [1, 100n]]))).toBe(0n);
  });

  it('takes a partition without a committed offset (absent, or -1) as at its start', () => {
    const target = new Map([[0, 7n], [1, 3n]]);
    expect(behind(target, new Map([[0, -1n]]))).toBe(10n);
    expect(behind(new Map([[0, 0n]]), new Map())).toBe(0n);
  });
});
