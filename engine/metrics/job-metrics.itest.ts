/**
 * A job's own metrics through a real `eddy run` with two member threads: declared metrics are
 * exported from the start (an unlabelled counter at 0), the threads' counts are summed into what the
 * input holds, and after the runner is killed and started again the metrics are back, counting what
 * the new run processes. Also Eddy's build info and window-latency histogram in a real run.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { createTopics, uniqueName, waitFor } from '../../connectors/kafka/testing/fixtures.js';
import { produceWatchEvents } from '../../jobs/content-popularity/testing/trending-fixtures.js';
import { startServingEddy, type ServingEddy } from '../cli/testing/eddy-process.js';
import { METRICS_TEST_JOB } from './testing/metrics-test-job.js';

const children: ServingEddy[] = [];
afterEach(() => children.splice(0).forEach((c) => c.kill()));

/** Prometheus text → each sample of a metric, as `labels value`. */
function samplesOf(text: string, name: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const m of text.matchAll(new RegExp(`^${name}(\\{[^}]*\\})? (\\S+)$`, 'gm'))) out.set(m[1] ?? '', Number(m[2]));
  return out;
}

const metrics = async (url: string): Promise<string> => (await fetch(`${url}/metrics`)).text();
const records = async (url: string): Promise<number> => ((await (await fetch(`${url}/v1/status`)).json()) as { records: number }).records;

describe("a job's own metrics in a real run", () => {
  it('are exported from the start, summed across member threads, and back after the runner restarts', async () => {
    const brokers = inject('kafkaBrokers');
    const input = uniqueName('jm-in');
    await createTopics([{ name: input, partitions: 3 }]);
    const produced = (await produceWatchEvents(input, 3_000, { seed: 5 })).filter((r) => r.kind === 'good');
    const perDevice = new Map<string, number>();
    for (const r of produced) {
      const { device } = JSON.parse(r.value.toString()) as { device: string };
      perDevice.set(device, (perDevice.get(device) ?? 0) + 1);
    }
    const args = ['run', METRICS_TEST_JOB, '--input-topic', input, '--output-topic', uniqueName('jm-out'), '--brokers', brokers, '--parallelism', '2',
      '--checkpoint-interval', '300ms', '--metrics-port', '0', '--group-id', uniqueName('jm-g'), '--state-dir', mkdtempSync(join(tmpdir(), 'eddy-jm-'))];

    const first = startServingEddy(args);
    children.push(first);
    const url = await first.url;
    const atStart = await metrics(url);
    expect(samplesOf(atStart, 'test_negative_watch_total')).toEqual(new Map([['{job_name="metrics-test"}', 0]]));
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(samplesOf(atStart, 'eddy_build_info')).toEqual(new Map([[`{job_name="metrics-test",version="${pkg.version}",node_version="${process.versions.node}"}`, 1]]));

    await waitFor('every record processed', async () => (await records(url)) === produced.length, 90_000);
    const text = await metrics(url);
    expect(samplesOf(text, 'test_events_seen_total')).toEqual(new Map([...perDevice].map(([d, n]) => [`{job_name="metrics-test",device="${d}"}`, n])));
    expect(samplesOf(text, 'test_watch_seconds_count')).toEqual(new Map([['{job_name="metrics-test"}', produced.length]]));
    expect(samplesOf(text, 'eddy_job_metric_series_refused_total').get('{job_name="metrics-test",metric="test_events_seen_total"}')).toBe(0);
    first.kill();
    await first.exitCode;

    // A new process: the metrics are there from its start again, and count what this run processes
    // (records the first run had not committed are processed again, and counted again).
    const more = (await produceWatchEvents(input, 500, { seed: 6 })).filter((r) => r.kind === 'good').length;
    const second = startServingEddy(args);
    children.push(second);
    const url2 = await second.url;
    expect(samplesOf(await metrics(url2), 'test_negative_watch_total')).toEqual(new Map([['{job_name="metrics-test"}', 0]]));
    await waitFor('the new records processed', async () => (await records(url2)) >= more, 90_000);
    let last = -1;
    await waitFor('the count settled', async () => {
      const now = await records(url2);
      await new Promise((r) => setTimeout(r, 700));
      return now === (last = await records(url2));
    }, 30_000);
    const [after, processed] = [await metrics(url2), await records(url2)];
    expect(processed).toBe(last);
    expect(processed).toBeGreaterThanOrEqual(more);
    expect([...samplesOf(after, 'test_events_seen_total').values()].reduce((a, b) => a + b, 0)).toBe(processed);
  });
});
