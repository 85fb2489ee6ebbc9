/**
 * viewer-sessions: each viewer's watching sessions, from watch events. Per user id, event-time session
 * windows (events at most `gap` apart are one session): views, watch seconds and distinct content per
 * session, to the `viewer-sessions` topic keyed by user id. The input is keyed by content id, so the
 * `by-user` keyBy repartitions: all of a user's events meet in the one task that owns the user.
 */
import * as z from 'zod';
import { aggregates, count, defineJob, durationMs, numberFlag, session, sum, type AggregateFunction, type EncodedRecord, type WindowResult } from '../../engine/index.js';
import { encodeWatchEvent, type WatchEvent } from '../shared/watch-event.js';
import { kafkaTopic, watchEventOptions, watchEventSource, withTopicDefaults } from '../shared/watch-event-source.js';

const { inputTopic, dlqTopic, lateTopic, outOfOrderness, allowedLateness, idleTimeout } = watchEventOptions;

/**
 * The job's options (CLI flags: `--input-topic`, `--gap`, `--partitions`, …).
 *
 * @example
 * ViewerSessionsOptions.parse({ gap: '10m' }).gap // 600000
 */
export const ViewerSessionsOptions = z
  .strictObject({
    inputTopic,
    outputTopic: kafkaTopic.default('viewer-sessions'),
    dlqTopic,
    lateTopic,
    /** Events of a user at most this far apart are one session. */
    gap: durationMs.prefault('30m'),
    outOfOrderness,
    allowedLateness,
    idleTimeout,
    /** Partitions of the repartition topic; default: as many as the input topic has. */
    partitions: numberFlag((n) => n.int().min(1)).optional(),
  })
  .refine((o) => o.gap > 0, { message: 'must be positive', path: ['gap'] })
  .transform(withTopicDefaults);

export type ViewerSessionsConfig = z.output<typeof ViewerSessionsOptions>;

/** Binary search: where `id` is, or would go, in the sorted `ids`. */
function position(ids: readonly string[], id: string): number {
  let lo = 0;
  let hi = ids.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ids[mid]! < id) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The number of distinct content ids. The accumulator is the set itself as a sorted array (a JSON
 * value, as state needs); `merge` is their union.
 *
 * @example
 * keyed.window(session(1_800_000)).aggregate('titles', distinctContent())
 */
export function distinctContent(): AggregateFunction<WatchEvent, string[], number> {
  return {
    create: () => [],
    add: (ids, e) => {
      const i = position(ids, e.contentId);
      return ids[i] === e.contentId ? ids : ids.toSpliced(i, 0, e.contentId);
    },
    merge: (a, b) => {
      const out: string[] = [];
      let i = 0;
      let j = 0;
      while (i < a.length && j < b.length) {
        const x = a[i]!;
        const y = b[j]!;
        if (x < y) {
          out.push(x);
          i += 1;
        } else if (y < x) {
          out.push(y);
          j += 1;
        } else {
          out.push(x);
          i += 1;
          j += 1;
        }
      }
      while (i < a.length) out.push(a[i++]!);
      while (j < b.length) out.push(b[j++]!);
      return out;
    },
    result: (ids) => ids.length,
    // add returns a new array when it changes one, so the window can add to its accumulator directly.
    pureAdd: true,
  };
}

/** What is aggregated per user id and session. */
export const sessionStats = aggregates({
  views: count<WatchEvent>(),
  watchSeconds: sum((e: WatchEvent) => e.watchSeconds),
  distinctContent: distinctContent(),
});

/** One record of the `viewer-sessions` topic. */
export interface ViewerSession {
  userId: string;
  /** The first event's time. */
  sessionStart: number;
  /** The last event's time + 1 ms: the session is `[sessionStart, sessionEnd)`. */
  sessionEnd: number;
  views: number;
  watchSeconds: number;
  distinctContent: number;
}

/**
 * One session as the output record: JSON with its fields in the documented order, keyed by user id.
 * The window ends `gap` after the last event, hence `sessionEnd = windowEnd − gap + 1`.
 *
 * @example
 * encodeSession({ key: 'u-7', windowStart: 0, windowEnd: 1_860_000, early: false, value: { views: 2, watchSeconds: 90, distinctContent: 1 } }, 1_800_000)
 * // { key: 'u-7', value: '{"userId":"u-7","sessionStart":0,"sessionEnd":60001,"views":2,"watchSeconds":90,"distinctContent":1}' }
 */
export function encodeSession(r: WindowResult<{ views: number; watchSeconds: number; distinctContent: number }>, gap: number): EncodedRecord {
  const record: ViewerSession = {
    userId: r.key,
    sessionStart: r.windowStart,
    sessionEnd: r.windowEnd - gap + 1,
    views: r.value.views,
    watchSeconds: r.value.watchSeconds,
    distinctContent: r.value.distinctContent,
  };
  return { key: r.key, value: JSON.stringify(record) };
}

export default defineJob({
  name: 'viewer-sessions',
  description: 'per-user watching sessions (session windows): views, watch seconds and distinct content, from watch events',
  options: ViewerSessionsOptions,
  build(b, o) {
    const sessions = watchEventSource(b, o)
      .keyBy('by-user', (e) => e.userId, { partitions: o.partitions })
      .window(session(o.gap), { allowedLatenessMs: o.allowedLateness })
      .aggregate('sessions', sessionStats);
    sessions.late().sink('late-events', { topic: o.lateTopic, encode: (e) => ({ key: e.contentId, value: encodeWatchEvent(e) }) });
    sessions.sink('viewer-sessions', { topic: o.outputTopic, encode: (r) => encodeSession(r, o.gap) });
  },
});
