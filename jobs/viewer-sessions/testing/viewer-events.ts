/**
 * Watch events for viewer-sessions tests. The generator draws user ids from 100,000, so almost every
 * user would have one event; mapping them onto a few users (`u-<n mod users>`) gives each user many
 * events, some close together and some more than a gap apart, hence several sessions per user.
 */
import { WatchEventGenerator, type WatchEventGeneratorOptions } from '../../../connectors/generator/watch-event-generator.js';
import { KafkaSink } from '../../../connectors/kafka/sink.js';
import { testClient } from '../../../connectors/kafka/testing/fixtures.js';
import { encodeWatchEvent, WatchEventSchema, type WatchEvent } from '../../shared/watch-event.js';

/** `u-12345` → `u-<12345 mod users>`. */
function fewUsers(userId: string, users: number): string {
  return `u-${Number(userId.slice(2)) % users}`;
}

/**
 * `count` seeded watch events of `users` users (no late or bad ones), as the generator orders them
 * (event times jittered back by up to `outOfOrderMs`).
 *
 * @example
 * generateViewerEvents(2_000, 6, { eventsPerSecond: 1 / 60 }) // one event a minute, six users
 */
export function generateViewerEvents(count: number, users: number, opts: Partial<WatchEventGeneratorOptions> = {}): WatchEvent[] {
  const gen = new WatchEventGenerator({
    seed: 1, items: 50, zipf: 1.1, categories: ['movies', 'series', 'news'], startTime: 1_763_800_000_000, eventsPerSecond: 1 / 60,
    outOfOrderMs: 5_000, lateFraction: 0, badFraction: 0, ...opts,
  });
  return gen.nextBatch(count).map((r) => {
    const e = WatchEventSchema.parse(JSON.parse(r.value.toString()));
    return { ...e, userId: fewUsers(e.userId, users) };
  });
}

/** Produces the events to the topic, in order, keyed by content id as the generator keys them. */
export async function produceViewerEvents(topic: string, events: readonly WatchEvent[]): Promise<void> {
  const sink = new KafkaSink(testClient());
  await sink.connect();
  try {
    await sink.send(topic, events.map((e) => ({ key: e.contentId, value: encodeWatchEvent(e) })));
  } finally {
    await sink.disconnect();
  }
}
