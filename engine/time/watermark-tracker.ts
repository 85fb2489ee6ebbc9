/**
 * Event-time watermarks with bounded out-of-orderness, tracked per input partition and combined as the
 * minimum (as Flink's Kafka source does). A partition that has been idle for `idleTimeoutMs` stops
 * holding the watermark back; a partition that has reached its end (bounded mode) never does.
 */

/** Watermark before any event: nothing is complete yet. */
export const NO_WATERMARK = -Infinity;
/** Watermark after the end of bounded input: every window is complete. */
export const END_OF_TIME = Infinity;

export interface WatermarkOptions {
  /** How far behind the newest event an event may arrive and still be on time. */
  outOfOrdernessMs: number;
  /** A partition without records for this long is idle (0 = never). */
  idleTimeoutMs: number;
}

interface PartitionClock {
  maxTimestamp: number;
  lastActiveMs: number;
  ended: boolean;
}

/**
 * @example
 * const wm = new WatermarkTracker({ outOfOrdernessMs: 30_000, idleTimeoutMs: 60_000 });
 * wm.observe(0, event.eventTime, Date.now());
 * const watermark = wm.current(Date.now());
 */
export class WatermarkTracker {
  readonly #partitions = new Map<number, PartitionClock>();
  /** Watermarks never go back, even when a partition is added or wakes up behind the others. */
  #emitted = NO_WATERMARK;

  constructor(private readonly opts: WatermarkOptions) {}

  /** Starts tracking a partition (its watermark is unknown until its first record). */
  add(partition: number, nowMs: number): void {
    if (!this.#partitions.has(partition)) this.#partitions.set(partition, { maxTimestamp: NO_WATERMARK, lastActiveMs: nowMs, ended: false });
  }

  /** Stops tracking a partition (it moved to another owner). */
  remove(partition: number): void {
    this.#partitions.delete(partition);
  }

  /** Records one event time of a partition. */
  observe(partition: number, timestamp: number, nowMs: number): void {
    let clock = this.#partitions.get(partition);
    if (!clock) this.#partitions.set(partition, (clock = { maxTimestamp: NO_WATERMARK, lastActiveMs: nowMs, ended: false }));
    if (timestamp > clock.maxTimestamp) clock.maxTimestamp = timestamp;
    clock.lastActiveMs = nowMs;
  }

  /** Marks a partition as done (bounded mode reached its end offset): it no longer holds anything back. */
  end(partition: number): void {
    const clock = this.#partitions.get(partition);
    if (clock) clock.ended = true;
    else this.#partitions.set(partition, { maxTimestamp: NO_WATERMARK, lastActiveMs: 0, ended: true });
  }

  /** The combined watermark now. */
  current(nowMs: number): number {
    let min = END_OF_TIME;
    let active = 0;
    let allEnded = this.#partitions.size > 0;
    for (const clock of this.#partitions.values()) {
      if (clock.ended) continue;
      allEnded = false;
      const idle = this.opts.idleTimeoutMs > 0 && nowMs - clock.lastActiveMs >= this.opts.idleTimeoutMs;
      if (idle) continue;
      active += 1;
      const wm = clock.maxTimestamp === NO_WATERMARK ? NO_WATERMARK : clock.maxTimestamp - this.opts.outOfOrdernessMs - 1;
      if (wm < min) min = wm;
    }
    if (allEnded) min = END_OF_TIME;
    else if (active === 0) min = this.#emitted; // everything idle: hold, do not jump ahead
    if (min > this.#emitted) this.#emitted = min;
    return this.#emitted;
  }
}
