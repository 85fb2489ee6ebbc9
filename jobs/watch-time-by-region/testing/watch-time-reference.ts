/**
 * The naive reference for watch-time-by-region: groups every event by (region, device, window) in one
 * pass over an array. It shares no code with the engine, so the job's tests compare two independent
 * computations.
 */
import type { WatchEvent } from '../../shared/watch-event.js';

/** One expected output record, with its Kafka key. */
export interface ExpectedWatchTime {
  key: string;
  windowStart: number;
  windowEnd: number;
  region: string;
  device: string;
  views: number;
  watchSeconds: number;
}

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
