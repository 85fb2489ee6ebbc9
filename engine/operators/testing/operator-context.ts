/** Test helper: an OperatorContext for one operator instance, with the user-code failures it gave up. */
import { MemoryStateBackend } from '../../state/memory-backend.js';
import { DEFAULT_USER_CODE_POLICY, UserCodeGuard, type UserCodePolicy } from '../../runtime/user-code-guard.js';
import type { OperatorContext } from '../operator.js';
import type { UserCodeFailure } from '../user-code.js';

/**
 * @example
 * const { ctx, failures } = operatorContext({ tables: [1, 2] });
 * const op = new WindowAggregateOperator(ctx, config, count());
 */
export function operatorContext(
  over: Partial<OperatorContext> = {},
  policy: UserCodePolicy = DEFAULT_USER_CODE_POLICY,
): { ctx: OperatorContext; failures: UserCodeFailure[] } {
  const failures: UserCodeFailure[] = [];
  const ctx: OperatorContext = {
    node: 'op',
    userCode: new UserCodeGuard(policy, (f) => failures.push(f)),
    maxGroups: 1_000,
    backend: new MemoryStateBackend(),
    tables: [1, 2, 3],
    keyGroups: { start: 0, end: 0 },
    maxParallelism: 1,
    cacheEntries: 100_000,
    now: () => 0,
    ...over,
  };
  return { ctx, failures };
}
