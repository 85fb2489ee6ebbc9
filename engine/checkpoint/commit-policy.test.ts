import { describe, expect, it } from 'vitest';
import { commitNow } from './commit-policy.js';

describe('commitNow', () => {
  it('commits at every interval, rebalance, end and savepoint phase', () => {
    for (const kind of ['tick', 'rebalance', 'end', 'savepoint'] as const) expect(commitNow({ kind }, { commitDue: false })).toBe(true);
  });

  it('commits after a batch only when results wait and the task has read all there is', () => {
    expect(commitNow({ kind: 'batch', caughtUp: true }, { commitDue: true })).toBe(true);
    expect(commitNow({ kind: 'batch', caughtUp: false }, { commitDue: true })).toBe(false);
    expect(commitNow({ kind: 'batch', caughtUp: true }, { commitDue: false })).toBe(false);
  });
});
