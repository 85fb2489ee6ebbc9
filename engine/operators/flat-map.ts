import type { Operator, OperatorContext, Output, StreamRecord } from './operator.js';
import { SKIPPED } from './user-code.js';

/** Emits zero or more values per record, each with the record's event time. */
export class FlatMapOperator implements Operator {
  constructor(
    private readonly ctx: OperatorContext,
    private readonly fn: (value: unknown) => Iterable<unknown>,
  ) {}

  processBatch(records: readonly StreamRecord[], out: Output): void {
    for (const r of records) {
      // Collected before any is emitted: a function that throws halfway through its iterable emits
      // nothing of that attempt.
      let values: unknown[] | typeof SKIPPED;
      try {
        values = [...this.fn(r.value)];
      } catch (e) {
        values = this.#recover(r, e);
        if (values === SKIPPED) continue;
      }
      for (const value of values) out.emit({ value, timestamp: r.timestamp, origin: r.origin });
    }
  }

  // Its own method: a retry closure in the loop above would cost every record a context allocation.
  #recover(r: StreamRecord, e: unknown): unknown[] | typeof SKIPPED {
    return this.ctx.userCode.recover(this.ctx.node, r, e, () => [...this.fn(r.value)]);
  }
}
