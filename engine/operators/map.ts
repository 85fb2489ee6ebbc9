import type { Operator, Output, StreamRecord } from './operator.js';

/** Applies a function to every value; the event time is kept. */
export class MapOperator implements Operator {
  constructor(private readonly fn: (value: unknown) => unknown) {}

  processBatch(records: readonly StreamRecord[], out: Output): void {
    for (const r of records) out.emit({ value: this.fn(r.value), timestamp: r.timestamp });
  }
}
