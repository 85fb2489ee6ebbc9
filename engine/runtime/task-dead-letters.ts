/**
 * What a task dead-letters for what its executor gave up (local-executor.ts): the input record it
 * came from, with its original bytes, or, when it is no longer one input record (a window's result,
 * a timer, a ranking of the merge stage), its value as JSON.
 */
import type { RejectedRecord } from '../../connectors/kafka/dead-letter.js';
import type { ExecutorDeadLetter } from './local-executor.js';

/**
 * @example
 * await task.deadLetters(executor.takeDeadLetters().map((d) => rejectedRecordOf(d, { topic: 'in', partition: 3 })));
 */
export function rejectedRecordOf(d: ExecutorDeadLetter, input: { topic: string; partition: number }): RejectedRecord {
  const o = d.origin;
  const common = { topic: input.topic, partition: input.partition, reason: d.reason, detail: d.detail, ...(d.operator !== undefined ? { operator: d.operator } : {}) };
  if (o) return { ...common, offset: o.offset, timestamp: String(o.timestamp), key: o.key, value: o.raw, headers: o.headers };
  return { ...common, offset: null, timestamp: null, key: null, value: Buffer.from(jsonOf(d.value)), headers: {} };
}

/** A value as JSON; what JSON cannot hold, as text. */
function jsonOf(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
