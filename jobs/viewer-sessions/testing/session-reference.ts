/**
 * The naive reference for viewer-sessions: per user, every event time sorted, split where two
 * consecutive events are more than the gap apart. It shares no code with the engine (no windows, no
 * merging), so the job's tests compare two independent computations.
 */
import type { WatchEvent } from '../../shared/watch-event.js';
import type { ViewerSession } from '../job.js';

/**
 * Every session of every user, sorted by user id, then start. Assumes no event is late (every event
 * counts, and every session is final at the end of the input).
 *
 * @example
 * referenceSessions(events, 30 * 60_000)[0] // { userId: 'u-0', sessionStart: …, sessionEnd: …, views: 3, watchSeconds: 95, distinctContent: 2 }
 */
export function referenceSessions(events: readonly WatchEvent[], gapMs: number): ViewerSession[] {
  const byUser = new Map<string, WatchEvent[]>();
  for (const e of events) {
    const list = byUser.get(e.userId) ?? [];
    list.push(e);
    byUser.set(e.userId, list);
  }
  const out: ViewerSession[] = [];
  for (const [userId, list] of byUser) {
    list.sort((a, b) => a.eventTime - b.eventTime);
    let current: WatchEvent[] = [];
    for (const e of list) {
      if (current.length > 0 && e.eventTime - current[current.length - 1]!.eventTime > gapMs) {
        out.push(summarize(userId, current));
        current = [];
      }
      current.push(e);
    }
    out.push(summarize(userId, current));
  }
  return sortSessions(out);
}

/** One session of time-ordered events, with its fields in the output record's order. */
function summarize(userId: string, events: readonly WatchEvent[]): ViewerSession {
  return {
    userId,
    sessionStart: events[0]!.eventTime,
    sessionEnd: events[events.length - 1]!.eventTime + 1,
    views: events.length,
    watchSeconds: events.reduce((s, e) => s + e.watchSeconds, 0),
    distinctContent: new Set(events.map((e) => e.contentId)).size,
  };
}

/** Sorted by user id, then start: the order both sides of a comparison are put in. */
export function sortSessions<T extends { userId: string; sessionStart: number }>(sessions: T[]): T[] {
  return sessions.sort((a, b) => (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : a.sessionStart - b.sessionStart));
}
