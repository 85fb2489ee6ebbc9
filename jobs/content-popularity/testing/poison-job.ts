/**
 * content-popularity with two functions that throw, for the poison-input suite: a `process` stage
 * that throws for one content id (its events must be dead-lettered, and missing from every ranking)
 * and a sink (`echo`, every event as it came) whose `encode` throws for one device (those events
 * are dead-lettered from that branch only: they still count in the rankings). Everything else is
 * content-popularity as it ships, on the same options.
 */
import { encodeWatchEvent, type WatchEvent } from '../../shared/watch-event.js';
import { watchEventSource } from '../../shared/watch-event-source.js';
import { defineJob, sliding } from '../../../engine/index.js';
import { ContentPopularityOptions, contentStats, rankTrending } from '../job.js';

/** The content id the `guard` stage throws on. */
export const POISON_CONTENT_ID = 'c-poison';
/** The device the `echo` sink's encode throws on. */
export const POISON_DEVICE = 'poison-device';
/** Where `echo` writes: the input topic's name with this suffix. */
export const ECHO_SUFFIX = '-echo';

export default defineJob({
  name: 'content-popularity-poison',
  description: 'content-popularity plus a process stage and a sink that throw on chosen records (tests only)',
  options: ContentPopularityOptions,
  build(b, o) {
    const events = watchEventSource(b, o);
    events.sink('echo', {
      topic: `${o.inputTopic}${ECHO_SUFFIX}`,
      encode: (e: WatchEvent) => {
        if (e.device === POISON_DEVICE) throw new Error(`cannot echo device ${e.device}`);
        return { key: e.contentId, value: encodeWatchEvent(e) };
      },
    });
    const perContent = events
      .keyBy('by-content', (e) => e.contentId, { partitioning: 'input' })
      .process('guard', {
        state: {},
        processElement(e: WatchEvent, _ctx, out: (e: WatchEvent) => void) {
          if (e.contentId === POISON_CONTENT_ID) throw new Error(`${POISON_CONTENT_ID} is not welcome`);
          out(e);
        },
      })
      .keyBy('by-content-again', (e) => e.contentId, { partitioning: 'input' })
      .window(sliding(o.window, o.slide), { allowedLatenessMs: o.allowedLateness })
      .aggregate('views-per-window', contentStats);
    rankTrending(perContent, o);
  },
});
