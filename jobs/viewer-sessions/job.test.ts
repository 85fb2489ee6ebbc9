import { expectDocumentedOptions } from '../shared/testing/documented-options.js';
import { describe, expect, it } from 'vitest';
import { buildJob } from '../../engine/api/job-definition.js';
import { OperatorHarness, type BackendKind } from '../../engine/testing/operator-harness.js';
import type { WatchEvent } from '../shared/watch-event.js';
import viewerSessions, { ViewerSessionsOptions, distinctContent, type ViewerSession } from './job.js';
import { referenceSessions, sortSessions } from './testing/session-reference.js';
import { generateViewerEvents } from './testing/viewer-events.js';

const MINUTE = 60_000;
const T0 = 1_763_800_000_000;

/** Runs the job over `events` in batches, the watermark following them as a source's would, then ends the input. */
async function run(events: readonly WatchEvent[], options: { gap?: string; outOfOrderness?: number }, backend: BackendKind = 'memory'): Promise<{ sessions: { key: unknown; value: string }[]; late: unknown[] }> {
  const outOfOrderness = options.outOfOrderness ?? 30_000;
  const h = await OperatorHarness.create(buildJob(viewerSessions, { ...options, outOfOrderness }), { parallelism: 3, backend });
  try {
    let newest = -Infinity;
    for (let i = 0; i < events.length; i += 100) {
      const batch = events.slice(i, i + 100);
      await h.push('watch-events', batch);
      newest = Math.max(newest, ...batch.map((e) => e.eventTime));
      await h.watermark(newest - outOfOrderness - 1);
    }
    await h.endOfInput();
    const sessions = h.records('viewer-sessions').map((r) => ({ key: r.key, value: r.encoded.toString() }));
    return { sessions, late: h.output('late-events') };
  } finally {
    await h.close();
  }
}

/** Output records in the reference's order, each compared as its exact JSON (field order included). */
function sorted(records: readonly { key: unknown; value: string }[]): { key: unknown; value: string }[] {
  return sortSessions(records.map((r) => ({ ...(JSON.parse(r.value) as ViewerSession), record: r }))).map((s) => s.record);
}

const expected = (sessions: readonly ViewerSession[]) => sessions.map((s) => ({ key: s.userId, value: JSON.stringify(s) }));

const event = (userId: string, contentId: string, eventTime: number, watchSeconds = 10): WatchEvent => ({
  eventId: `e-${userId}-${eventTime}`, contentId, category: 'movies', userId, region: 'IN-MH', device: 'tv', watchSeconds, eventTime,
});

describe('viewer-sessions', () => {
  // No jitter: many events exactly a gap apart. 20 minutes of jitter: a user's events arrive out of
  // order, often between two open sessions, which then merge.
  it.each([
    ['memory', 0],
    ['rocksdb', 0],
    ['memory', 20 * MINUTE],
    ['rocksdb', 20 * MINUTE],
  ] as const)('equals the naive reference on generated events at parallelism 3 (%s state, %i ms jitter)', async (backend, jitter) => {
    // One event a minute over 6 users: a user's events are 6 minutes apart on average, now and then more than the 10-minute gap.
    const events = generateViewerEvents(3_000, 6, { seed: 5, outOfOrderMs: jitter });
    const want = referenceSessions(events, 10 * MINUTE);
    // The data must exercise what the test is about: users with many sessions, sessions of many events.
    expect(new Set(want.map((s) => s.userId)).size).toBe(6);
    expect(want.length).toBeGreaterThan(100);
    expect(Math.max(...want.map((s) => s.views))).toBeGreaterThan(10);
    expect(want.some((s) => s.distinctContent < s.views)).toBe(true);
    const got = await run(events, { gap: '10m', outOfOrderness: jitter }, backend);
    expect(got.late).toEqual([]);
    expect(sorted(got.sessions)).toEqual(expected(want));
  });

  it('keeps events exactly gap apart in one session, and gap + 1 ms apart in two', async () => {
    const gap = 30 * MINUTE;
    const events = [
      event('u-1', 'c-1', T0),
      event('u-1', 'c-2', T0 + gap),
      event('u-2', 'c-1', T0),
      event('u-2', 'c-1', T0 + gap + 1),
    ];
    const got = await run(events, {});
    const want: ViewerSession[] = [
      { userId: 'u-1', sessionStart: T0, sessionEnd: T0 + gap + 1, views: 2, watchSeconds: 20, distinctContent: 2 },
      { userId: 'u-2', sessionStart: T0, sessionEnd: T0 + 1, views: 1, watchSeconds: 10, distinctContent: 1 },
      { userId: 'u-2', sessionStart: T0 + gap + 1, sessionEnd: T0 + gap + 2, views: 1, watchSeconds: 10, distinctContent: 1 },
    ];
    expect(referenceSessions(events, gap)).toEqual(want);
    expect(sorted(got.sessions)).toEqual(expected(want));
  });

  it('merges two sessions that a later event bridges, content ids as a union', async () => {
    // The bridge arrives last but within the out-of-orderness, so both sessions are still open.
    const events = [event('u-1', 'c-1', T0), event('u-1', 'c-2', T0 + 50 * MINUTE), event('u-1', 'c-3', T0 + 50 * MINUTE), event('u-1', 'c-2', T0 + 25 * MINUTE)];
    const got = await run(events, {});
    expect(sorted(got.sessions)).toEqual(expected([{ userId: 'u-1', sessionStart: T0, sessionEnd: T0 + 50 * MINUTE + 1, views: 4, watchSeconds: 40, distinctContent: 3 }]));
  });

  it('sends events that come after their session closed to the late topic', async () => {
    const h = await OperatorHarness.create(buildJob(viewerSessions, { gap: '1m' }), { parallelism: 3 });
    await h.push('watch-events', [event('u-1', 'c-1', T0)]);
    await h.watermark(T0 + 5 * MINUTE);
    // Its session would end at T0 + 3m, before the watermark.
    const late = event('u-1', 'c-2', T0 + 2 * MINUTE);
    await h.push('watch-events', [late]);
    await h.endOfInput();
    expect(h.records('late-events').map((r) => r.key)).toEqual(['c-2']);
    expect(h.output('late-events')).toEqual([late]);
    expect(h.output<unknown>('viewer-sessions')).toHaveLength(1);
    await h.close();
  });

  it('counts distinct content with a sorted set that merge never modifies', () => {
    const f = distinctContent();
    const a = Object.freeze(['c-1', 'c-3']) as string[];
    const b = Object.freeze(['c-2', 'c-3', 'c-4']) as string[];
    expect(f.merge(a, b)).toEqual(['c-1', 'c-2', 'c-3', 'c-4']);
    expect(f.add(a, event('u', 'c-2', 0))).toEqual(['c-1', 'c-2', 'c-3']);
    expect(f.add(a, event('u', 'c-3', 0))).toEqual(['c-1', 'c-3']);
    expect(f.result(f.merge(a, b))).toBe(4);
  });

  it('has the documented defaults', () => {
    expect(ViewerSessionsOptions.parse({})).toEqual({
      inputTopic: 'watch-events', outputTopic: 'viewer-sessions', dlqTopic: 'watch-events-dlq', lateTopic: 'watch-events-late',
      gap: 30 * MINUTE, outOfOrderness: 30_000, allowedLateness: 0, idleTimeout: MINUTE,
    });
    expect(ViewerSessionsOptions.parse({ inputTopic: 'views', partitions: '6' })).toMatchObject({ dlqTopic: 'views-dlq', lateTopic: 'views-late', partitions: 6 });
  });

  it.each([
    [{ gap: '0ms' }, 'gap'],
    [{ gap: 'soon' }, 'gap'],
    [{ partitions: 0 }, 'partitions'],
    [{ partitions: '2.5' }, 'partitions'],
    [{ outOfOrderness: '-1s' }, 'outOfOrderness'],
    [{ outputTopic: 'no spaces' }, 'outputTopic'],
    [{ window: '1m' }, 'window'],
  ])('rejects %j, naming the field', (input, field) => {
    const r = ViewerSessionsOptions.safeParse(input);
    expect(r.success).toBe(false);
    // An unknown option is named in the issue's keys, the others in its path.
    expect(r.error!.issues.map((i) => [...i.path, ...('keys' in i ? i.keys : [])])).toEqual([[field]]);
  });

  it('repartitions by user id into --partitions partitions', () => {
    const { graph } = buildJob(viewerSessions, { partitions: 6 });
    expect(graph.nodes.find((n) => n.id === 'by-user')?.config).toEqual({ partitioning: 'repartition', partitions: 6 });
  });

  it('docs/jobs.md lists exactly its options, with their defaults', () => {
    expectDocumentedOptions('viewer-sessions', ViewerSessionsOptions);
  });
});
