import type { Operator, OperatorContext, Output, StreamRecord } from './operator.js';
import type { SKIPPED } from './user-code.js';

/** Keeps the records whose value passes the predicate; keys and event times are kept. */
export class FilterOperator implements Operator {
  constructor(
    private readonly ctx: OperatorContext,
    private readonly fn: (value: unknown) => boolean,
  ) {}

  processBatch(records: readonly StreamRecord[], out: Output): void {
    for (const r of records) {
      let keep: boolean | typeof SKIPPED;
      try {
        keep = this.fn(r.value);
      } catch (e) {
        keep = this.#recover(r, e);
      }
      if (keep === true) out.emit(r);
    }
  }

  // Its own method: a retry closure in the loop above would cost every record a context allocation.
  #recover(r: StreamRecord, e: unknown): boolean | typeof SKIPPED {
    return this.ctx.userCode.recover(this.ctx.node, r, e, () => this.fn(r.value));
  }
}
