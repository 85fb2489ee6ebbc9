/**
 * The runtime's {@link UserCode}: retries a user function that threw, in place, and applies the
 * job's policy once the attempts run out. A record is never replayed from the input and no member
 * restarts for it: under `dlq` the record is handed to `onFailure` (the task dead-letters it in the
 * same transaction as its other output), under `fail` the job stops with a {@link FatalJobError},
 * since a restart would meet the same record again.
 */
import type { RecordOrigin } from '../operators/operator.js';
import { SKIPPED, type UserCode, type UserCodeFailure } from '../operators/user-code.js';
import { FatalJobError } from './member-failure.js';

/** What a job does with a record its functions keep throwing on (declared per job, in the graph). */
export interface UserCodePolicy {
  /** `dlq` (default): dead-letter the record and go on; `fail`: stop the job. */
  onError: 'dlq' | 'fail';
  /** Calls per record before the policy applies (default 3). */
  attempts: number;
}

export const DEFAULT_USER_CODE_POLICY: UserCodePolicy = { onError: 'dlq', attempts: 3 };

/** An error's message, for a dead letter's detail. */
export function errorMessage(e: unknown): string {
  if (e instanceof Error) return `${e.name === 'Error' ? '' : `${e.name}: `}${e.message}`;
  try {
    return `thrown: ${JSON.stringify(e)}`;
  } catch {
    return `thrown: ${String(e)}`;
  }
}

/**
 * @example
 * const failures: UserCodeFailure[] = [];
 * const userCode = new UserCodeGuard({ onError: 'dlq', attempts: 3 }, (f) => failures.push(f));
 * const v = userCode.recover('to-views', record, error, () => fn(record.value)); // SKIPPED if it kept throwing
 */
export class UserCodeGuard implements UserCode {
  constructor(
    readonly policy: UserCodePolicy,
    private readonly onFailure: (failure: UserCodeFailure) => void,
  ) {}

  recover<T>(operator: string, record: { value: unknown; origin?: RecordOrigin }, error: unknown, again: () => T): T | typeof SKIPPED {
    let last = error;
    for (let attempt = 2; attempt <= this.policy.attempts; attempt += 1) {
      try {
        return again();
      } catch (e) {
        last = e;
      }
    }
    const where = record.origin ? ` (input offset ${record.origin.offset})` : '';
    if (this.policy.onError === 'fail') {
      throw new FatalJobError(`node '${operator}' threw on a record${where} ${this.policy.attempts} times and the job's policy is 'fail': ${errorMessage(last)}`);
    }
    this.onFailure({ operator, error: last, value: record.value, ...(record.origin ? { origin: record.origin } : {}), attempts: this.policy.attempts });
    return SKIPPED;
  }
}
