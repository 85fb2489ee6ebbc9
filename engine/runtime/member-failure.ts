/**
 * What the runner needs to know of a member's failure to decide whether restarting it can help:
 * where it failed (a task and the input offset it had committed), whether the cause is fatal (a
 * restart would meet it again: a user function under the `fail` policy, an internal record that
 * cannot be read) and whether it is transient (the broker is away). A member posts this
 * ({@link FailureInfo}) before its error ends its thread's task, so the runner can tell a crash
 * loop from progress.
 */

/** A task and the input offset it resumes from: the same position after a restart means no progress. */
export interface FailurePosition {
  /** `partition:3`, `merge:0`. */
  task: string;
  /** The task's committed input offset (null: nothing committed yet). */
  offset: string | null;
}

/** A failure that no restart can fix; the runner stops the member instead of restarting it. */
export class FatalJobError extends Error {
  override readonly name = 'FatalJobError';
}

/** The plain-data description of a member failure (it crosses threads). */
export interface FailureInfo {
  error: string;
  position: FailurePosition | null;
  fatal: boolean;
  /** A connection or broker availability problem: says nothing about the input. */
  transient: boolean;
}

const POSITION = Symbol('eddy.failure.position');

/** Marks an error with the task position it happened at (the first mark wins). */
export function atPosition<E>(error: E, position: FailurePosition): E {
  if (error instanceof Error && !(POSITION in error)) Object.defineProperty(error, POSITION, { value: position });
  return error;
}

// kafkajs' errors for a broker that cannot be reached or is not ready; retried by restarting.
const TRANSIENT = /^KafkaJS(Connection|ConnectionClosed|RequestTimeout|NumberOfRetriesExceeded|BrokerNotFound|LockTimeout|StaleTopicMetadataAssignment|NotImplemented|GroupCoordinatorNotFound|Timeout)/;

/** Describes an error thrown out of a member. */
export function failureInfo(e: unknown): FailureInfo {
  const error = e instanceof Error ? e : new Error(String(e));
  let transient = false;
  let position: FailurePosition | null = null;
  // The error and its causes: a member that could not close after a failure wraps it.
  for (let c: unknown = error, depth = 0; c instanceof Error && depth < 5; c = (c as { cause?: unknown }).cause, depth += 1) {
    if (TRANSIENT.test(c.name) || (c as { retriable?: boolean }).retriable === true) transient = true;
    position ??= (c as unknown as Record<symbol, FailurePosition | undefined>)[POSITION] ?? null;
  }
  const fatal = error instanceof FatalJobError || (error.cause instanceof FatalJobError);
  return { error: error.message, position, fatal, transient: transient && !fatal };
}
