import type { Operator, Output, StreamRecord } from './operator.js';

/** Keeps the records whose value passes the predicate; keys and event times are kept. */
export class FilterOperator implements Operator {
  constructor(private readonly fn: (value: unknown) => boolean) {}

  processBatch(records: readonly StreamRecord[], out: Output): void {
    for (const r of records) if (this.fn(r.value)) out.emit(r);
  }
}
