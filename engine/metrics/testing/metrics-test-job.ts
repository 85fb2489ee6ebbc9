/**
 * A job with metrics of its own, for tests through the real runner: a counter per device of every
 * watch event its map sees, an unlabelled counter nothing increments (it must show 0), and a
 * histogram of watch seconds.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as z from 'zod';
import { WatchEventSchema } from '../../../jobs/shared/watch-event.js';
import { counter, defineJob, histogram, jsonSerde } from '../../index.js';

/** This module compiled, as tests (which run from source) pass it to `eddy run <path>`. */
export const METRICS_TEST_JOB = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'dist', 'engine', 'metrics', 'testing', 'metrics-test-job.js');

export const seen = counter({ name: 'test_events_seen_total', help: 'Watch events the map saw, by device.', labels: ['device'], maxSeries: 10 });
export const negative = counter({ name: 'test_negative_watch_total', help: 'Watch events with negative seconds (the schema refuses them: stays 0).' });
export const watched = histogram({ name: 'test_watch_seconds', help: 'Seconds watched per event.', buckets: [10, 100, 1_000] });

export default defineJob({
  name: 'metrics-test',
  description: 'counts watch events in metrics of its own (a metrics test)',
  options: z.strictObject({ inputTopic: z.string(), outputTopic: z.string() }),
  metrics: [seen, negative, watched],
  build(b, o) {
    b.source('in', { topic: o.inputTopic, serde: jsonSerde(WatchEventSchema), timestamp: (e) => e.eventTime })
      .map('count', (e) => {
        seen.inc({ device: e.device });
        watched.observe({}, e.watchSeconds);
        if (e.watchSeconds < 0) negative.inc({});
        return e.contentId;
      })
      .sink('out', { topic: o.outputTopic, encode: (id) => ({ key: id, value: id }) });
  },
});
