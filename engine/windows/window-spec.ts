/**
 * Window definitions as plain data (they live in the job graph) and the pure arithmetic on them:
 * which windows hold a timestamp, and the slices (panes) that sliding windows share. Session windows
 * have no fixed geometry (they grow per key as records arrive): operators/session-window.ts has them.
 *
 * A sliding window of size S and slide D is cut into slices of length g = gcd(S, D). A record updates
 * exactly one slice; a window is the merge of the S/g slices it covers. So a record costs one state
 * update, not S/D of them.
 */

/**
 * Tumbling or sliding event-time window, epoch-aligned, half-open `[start, end)`; or a session
 * window per key, closed by `gap` ms without records. Sizes in ms.
 */
export type WindowSpec = { kind: 'tumbling'; size: number } | { kind: 'sliding'; size: number; slide: number } | { kind: 'session'; gap: number };

/** One window. */
export interface TimeWindow {
  start: number;
  end: number;
}

const positive = (n: number): boolean => Number.isSafeInteger(n) && n > 0;

/**
 * A tumbling window of `size` ms.
 *
 * @example
 * keyed.window('per-minute', tumbling(60_000))
 */
export function tumbling(size: number): WindowSpec {
  return validate({ kind: 'tumbling', size });
}

/**
 * A sliding window of `size` ms that starts every `slide` ms.
 *
 * @example
 * keyed.window('last-10-min', sliding(600_000, 60_000))
 */
export function sliding(size: number, slide: number): WindowSpec {
  return validate({ kind: 'sliding', size, slide });
}

/**
 * Event-time session windows (Flink's `EventTimeSessionWindows`): each record opens `[ts, ts + gap)`,
 * and a key's windows that overlap or touch merge into one session, so records at most `gap` ms apart
 * are in the same session. A session `[start, end)` (end = its last record's time + `gap`) fires once
 * when the watermark reaches `end − 1` plus the allowed lateness.
 *
 * @example
 * keyed.window(session(30 * 60_000)).aggregate('visits', count())
 */
export function session(gap: number): WindowSpec {
  if (!positive(gap)) throw new RangeError(`session gap must be a positive integer of ms, got ${gap}`);
  return { kind: 'session', gap };
}

function validate(spec: Exclude<WindowSpec, { kind: 'session' }>): WindowSpec {
  if (!positive(spec.size)) throw new RangeError(`window size must be a positive integer of ms, got ${spec.size}`);
  if (spec.kind === 'sliding') {
    if (!positive(spec.slide)) throw new RangeError(`window slide must be a positive integer of ms, got ${spec.slide}`);
    if (spec.slide > spec.size) throw new RangeError(`window slide (${spec.slide}) must not exceed its size (${spec.size})`);
  }
  return spec;
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
/** Non-negative modulo, so negative timestamps align the same way as positive ones. */
const mod = (a: number, m: number): number => ((a % m) + m) % m;

/** The arithmetic of one window spec. */
export class WindowGeometry {
  readonly size: number;
  readonly slide: number;
  /** Slice (pane) length: gcd(size, slide). */
  readonly sliceSize: number;

  constructor(spec: WindowSpec) {
    if (spec.kind === 'session') {
      throw new TypeError(`WindowGeometry is for tumbling and sliding windows; a session window (gap ${spec.gap} ms) has no fixed geometry`);
    }
    this.size = spec.size;
    this.slide = spec.kind === 'sliding' ? spec.slide : spec.size;
    this.sliceSize = gcd(this.size, this.slide);
  }

  /** End of the slice holding `ts`. */
  sliceEnd(ts: number): number {
    return ts - mod(ts, this.sliceSize) + this.sliceSize;
  }

  /** End of the last (newest) window holding `ts`: a record is late once that window is closed. */
  lastWindowEnd(ts: number): number {
    return ts - mod(ts, this.slide) + this.size;
  }

  /** Every window holding `ts`, oldest first. */
  windowsOf(ts: number): TimeWindow[] {
    const out: TimeWindow[] = [];
    for (let start = ts - mod(ts, this.slide); start > ts - this.size; start -= this.slide) {
      out.unshift({ start, end: start + this.size });
    }
    return out;
  }

  /** The first window end at or after `t` (ends are `size` plus a multiple of the slide). */
  windowEndAtOrAfter(t: number): number {
    const r = mod(t - this.size, this.slide);
    return r === 0 ? t : t - r + this.slide;
  }

  /** Ends of the slices a window covers, ascending. */
  slicesOf(windowEnd: number): number[] {
    const out: number[] = [];
    for (let end = windowEnd - this.size + this.sliceSize; end <= windowEnd; end += this.sliceSize) out.push(end);
    return out;
  }

  /** The newest window that covers the slice ending at `sliceEnd`: after it fires, the slice can go. */
  lastWindowEndOfSlice(sliceEnd: number): number {
    return this.lastWindowEnd(sliceEnd - 1);
  }
}
