/**
 * The naive reference for watch-time-by-region: groups every event by (region, device, window) in one
 * pass over an array. It shares no code with the engine, so the job's tests compare two independent
 * computations.
 */
import type { WatchEvent } from '../../shared/watch-event.js';
import type { WatchTimeRecord } from '../job.js';

/** One expected output record, with its Kafka key. Only the record's type comes from the job: every value is computed here. */
export type ExpectedWatchTime = WatchTimeRecord & { key: string };

/**
 * Totals per (region, device) per tumbling window of `windowMs`, sorted by window, then key. Assumes
 * no event is late (every event counts).
 *
 * @example
 * referenceWatchTime(events, 60_000)[0] // { key: 'AU-NSW:mobile', windowStart: …, views: 3, watchSeconds: 95, … }
 */
export function referenceWatchTime(events: readonly WatchEvent[], windowMs: number): ExpectedWatchTime[] {
  const groups = new Map<string, ExpectedWatchTime>();
  for (const e of events) {
    const windowStart = Math.floor(e.eventTime / windowMs) * windowMs;
    const key = `${e.region}:${e.device}`;
    const id = `${windowStart}|${e.region}|${e.device}`;
    const g = groups.get(id) ?? { key, windowStart, windowEnd: windowStart + windowMs, region: e.region, device: e.device, views: 0, watchSeconds: 0 };
    g.views += 1;
    g.watchSeconds += e.watchSeconds;
    groups.set(id, g);
  }
  return sortWatchTime([...groups.values()]);
}

/** Sorted by window start, then key: the order both sides of a comparison are put in. */
export function sortWatchTime<T extends { windowStart: number; key: string }>(records: T[]): T[] {
  return records.sort((a, b) => a.windowStart - b.windowStart || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}
