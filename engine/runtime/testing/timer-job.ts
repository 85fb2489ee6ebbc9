/**
 * A test job of processing time: per content id, a view count kept with a TTL, and a reminder timer
 * `delay` after each batch's processing time that reports the count it finds (null once the TTL has
 * deleted it).
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as z from 'zod';
import { WatchEventSchema, type WatchEvent } from '../../../jobs/shared/watch-event.js';
import { defineJob, durationMs, jsonSerde, valueState } from '../../index.js';

/** This module compiled, as tests (which run from source) pass it to `eddy run <path>`. */
export const TIMER_JOB = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'dist', 'engine', 'runtime', 'testing', 'timer-job.js');

/** What a reminder reports. */
export interface Reminder {
  contentId: string;
  /** The timer's time (epoch ms), registered `delay` after the processing time of the view. */
  timer: number;
  /** The count found when it fired: null when the TTL had expired it. */
  views: number | null;
}

export default defineJob({
  name: 'reminders',
  description: 'processing-time timers and state TTL (tests only)',
  options: z.strictObject({
    inputTopic: z.string().default('watch-events'),
    outputTopic: z.string().default('reminders'),
    delay: durationMs.prefault('2s'),
    ttl: durationMs.prefault('1s'),
  }),
  build(b, o) {
    b.source('events', { topic: o.inputTopic, serde: jsonSerde(WatchEventSchema), timestamp: (e: WatchEvent) => e.eventTime })
      .keyBy('by-content', (e) => e.contentId, { partitioning: 'input' })
      .process('remind', {
        state: { views: valueState<number>({ ttlMs: o.ttl }) },
        processElement(_e: WatchEvent, ctx) {
          ctx.state.views.set((ctx.state.views.get() ?? 0) + 1);
          ctx.timers.registerProcessingTimeTimer(ctx.timers.currentProcessingTime() + o.delay);
        },
        onTimer(timer, _domain, ctx, out: (r: Reminder) => void) {
          out({ contentId: ctx.key, timer, views: ctx.state.views.get() ?? null });
        },
      })
      .sink('out', { topic: o.outputTopic, encode: (r) => ({ key: r.contentId, value: JSON.stringify(r) }) });
  },
});
