import type { Operator, OperatorContext, Output, StreamRecord } from './operator.js';
import { SKIPPED } from './user-code.js';

/** Applies a function to every value; the event time is kept. */
export class MapOperator implements Operator {
  constructor(
    private readonly ctx: OperatorContext,
    private readonly fn: (value: unknown) => unknown,
  ) {}

  processBatch(records: readonly StreamRecord[], out: Output): void {
    for (const r of records) {
      let value: unknown;
      try {
        value = this.fn(r.value);
      } catch (e) {
        value = this.#recover(r, e);
        if (value === SKIPPED) continue;
      }
      out.emit({ value, timestamp: r.timestamp, origin: r.origin });
    }
  }

  // Its own method: a retry closure in the loop above would cost every record a context allocation.
  #recover(r: StreamRecord, e: unknown): unknown {
    return this.ctx.userCode.recover(this.ctx.node, r, e, () => this.fn(r.value));
  }
}
