import { describe, expect, it } from 'vitest';
import { closest } from './did-you-mean.js';

describe('closest', () => {
  it('names the nearest known word for a typo, and nothing for a word that is no typo', () => {
    expect(closest('plna', ['plan', 'run', 'jobs'])).toBe('plan');
    expect(closest('paralelism', ['parallelism', 'bounded', 'group-id'])).toBe('parallelism');
    expect(closest('rnu', ['run', 'plan'])).toBe('run');
    expect(closest('deploy', ['run', 'plan', 'jobs'])).toBeUndefined();
    expect(closest('x', [])).toBeUndefined();
  });
});
