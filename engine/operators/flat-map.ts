import type { Operator, Output, StreamRecord } from './operator.js';

/** Emits zero or more values per record, each with the record's event time. */
export class FlatMapOperator implements Operator {
  constructor(private readonly fn: (value: unknown) => Iterable<unknown>) {}

  processBatch(records: readonly StreamRecord[], out: Output): void {
    for (const r of records) for (const value of this.fn(r.value)) out.emit({ value, timestamp: r.timestamp });
  }
}
