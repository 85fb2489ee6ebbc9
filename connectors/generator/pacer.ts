/**
 * Holds a rate with an absolute schedule: event i is due at start + i/rate. Sleeping until the next
 * due time and sending whatever is due never accumulates drift, however long each send takes.
 */
export class Pacer {
  constructor(
    readonly eventsPerSecond: number,
    readonly startMs: number,
  ) {
    if (!(eventsPerSecond > 0)) throw new RangeError(`rate must be positive, got ${eventsPerSecond}`);
  }

  /** How many events should have been sent by `nowMs`, in total. */
  due(nowMs: number): number {
    return nowMs <= this.startMs ? 0 : Math.floor(((nowMs - this.startMs) * this.eventsPerSecond) / 1000);
  }

  /** When the `count`-th event (1-based) is due. */
  dueAt(count: number): number {
    return this.startMs + (count * 1000) / this.eventsPerSecond;
  }
}
