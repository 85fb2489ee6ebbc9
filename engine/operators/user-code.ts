/**
 * What an operator does when a user function throws on a record: the runtime's {@link UserCode}
 * calls the function again in place (the operator passes `again`, which first puts back whatever
 * the failed call changed), a bounded number of times; then the record is handed to the job's
 * policy: dead-lettered with the operator's name and the error (`dlq`, the default), or the job
 * fails (`fail`). The happy path costs a try/catch: nothing is copied unless a call throws.
 */
import type { RecordOrigin } from './operator.js';

/** What `recover` returns when the record was given up (dead-lettered): the operator drops it. */
export const SKIPPED: unique symbol = Symbol('eddy.user-code.skipped');

/** A record a user function threw on every time it was tried. */
export interface UserCodeFailure {
  /** The node whose function threw. */
  operator: string;
  /** The last error thrown. */
  error: unknown;
  /** The value the function was called with. */
  value: unknown;
  /** The input record it came from, while it is still one input record (not a window's result). */
  origin?: RecordOrigin;
  attempts: number;
}

export interface UserCode {
  /**
   * A user function threw `error` on a record: calls `again` (which retries the call, and must undo
   * what the failed attempt changed first) until it returns or the attempts run out. Returns what
   * `again` returned, or {@link SKIPPED} once the record is dead-lettered; under the `fail` policy
   * it throws instead.
   */
  recover<T>(operator: string, record: { value: unknown; origin?: RecordOrigin }, error: unknown, again: () => T): T | typeof SKIPPED;
}
