/**
 * What an event time may be. Every record's time is checked where it enters the job, before it can
 * move a watermark or reach a window: one record stamped years ahead would otherwise close every
 * window of its partition early (the rest of the stream then arrives late), and one beyond what the
 * window and key arithmetic can hold would fail its task each time it is read.
 */

/**
 * The latest event time Eddy accepts, whatever the flags: the last instant a JavaScript Date holds
 * (year 275760). Window ends and state keys add at most a window size and the lateness to a time,
 * so those are bounded at plan time to keep every result a safe integer ({@link MAX_WINDOW_SPAN_MS}).
 */
export const MAX_EVENT_TIME_MS = 8_640_000_000_000_000;

/** How far past an event time windows may reach (size + allowed lateness): what safe integers leave above {@link MAX_EVENT_TIME_MS}. */
export const MAX_WINDOW_SPAN_MS = Number.MAX_SAFE_INTEGER - MAX_EVENT_TIME_MS;

/** The default of `--max-future-skew`: far beyond clock drift, far below a wrong year. */
export const DEFAULT_MAX_FUTURE_SKEW_MS = 60 * 60_000;

/**
 * Why an event time cannot be used, or undefined when it can. `kafkaTimestamp` is the record's
 * Kafka timestamp (undefined or negative: none, the skew is not checked); `maxFutureSkewMs` 0 turns
 * the skew check off.
 *
 * @example
 * eventTimeProblem(1_900_000_000_000, 1_764_000_000_000, 3_600_000) // 'event time … is 4 years ahead …'
 */
export function eventTimeProblem(time: unknown, kafkaTimestamp: number | undefined, maxFutureSkewMs: number): string | undefined {
  if (typeof time !== 'number' || !Number.isFinite(time)) return `event time ${describe(time)} is not a finite number`;
  if (!Number.isInteger(time)) return `event time ${time} is not a whole number of milliseconds`;
  if (time < 0) return `event time ${time} is before 1970`;
  if (time > MAX_EVENT_TIME_MS) return `event time ${time} is beyond ${MAX_EVENT_TIME_MS} (the year 275760)`;
  if (maxFutureSkewMs > 0 && kafkaTimestamp !== undefined && kafkaTimestamp >= 0 && time - kafkaTimestamp > maxFutureSkewMs) {
    return `event time ${time} is ${ahead(time - kafkaTimestamp)} ahead of the record's Kafka timestamp ${kafkaTimestamp} (--max-future-skew ${ahead(maxFutureSkewMs)})`;
  }
  return undefined;
}

function describe(v: unknown): string {
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  return v === null ? 'null' : typeof v;
}

function ahead(ms: number): string {
  const units: [number, string][] = [[365.25 * 86_400_000, 'years'], [86_400_000, 'days'], [3_600_000, 'h'], [60_000, 'min'], [1_000, 's']];
  for (const [size, name] of units) if (ms >= size) return `${Math.floor(ms / size)} ${name}`;
  return `${ms} ms`;
}
