/**
 * Broker fault: the broker is stopped for ~20 s while `eddy run` works through a bounded input, then
 * started again. The runner waits and retries (a failed member restarts with backoff) without
 * exiting, and the output is still exactly the reference. Needs the project's local broker (the
 * test stops and starts it), not one given by KAFKA_BROKERS.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, inject, it } from 'vitest';
import { WatchEventGenerator } from '../../connectors/generator/watch-event-generator.js';
import { WatchEventSchema, type WatchEvent } from '../../connectors/generator/watch-event.js';
import { bytesSerde } from '../../connectors/kafka/serde.js';
import { KafkaSink } from '../../connectors/kafka/sink.js';
import { KafkaSource, type SourceRecord } from '../../connectors/kafka/source.js';
import { createTopics, testClient, uniqueName, waitFor } from '../../connectors/kafka/testing/fixtures.js';
import { LocalBroker } from '../../deploy/local/local-broker.js';
import { TrendingRecordSchema } from '../../jobs/content-popularity/trending-record.js';
import { referenceWindowTopK } from '../testing/reference/window-top-k-reference.js';

const eddy = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist', 'engine', 'cli', 'eddy.js');

async function readAll(topic: string, n: number): Promise<SourceRecord<Buffer>[]> {
  const out: SourceRecord<Buffer>[] = [];
  const source = new KafkaSource(testClient(), { groupId: uniqueName('reader'), topics: [topic], maxWaitTimeMs: 100 }, bytesSerde, { write: async () => undefined });
  await source.start(async (b) => void out.push(...b.records));
  try {
    await waitFor(`${n} records on ${topic}`, () => out.length >= n, 60_000);
    await new Promise((r) => setTimeout(r, 1_500));
  } finally {
    await source.stop();
  }
  return out;
}

describe('broker fault', () => {
  it('the runner rides out a 20 s broker outage and the output stays exactly once', async () => {
    const broker = new LocalBroker(undefined, () => undefined);
    const local = broker.status();
    if (!local || local.bootstrap !== inject('kafkaBrokers')) {
      throw new Error('the broker fault test stops and restarts the local broker: run it without KAFKA_BROKERS (the test setup starts the local one)');
    }
    const input = uniqueName('fault-in');
    const output = uniqueName('fault-out');
    await createTopics([{ name: input, partitions: 4 }]);
    const gen = new WatchEventGenerator({
      seed: 9, items: 400, zipf: 1.1, categories: ['movies', 'news'], startTime: 1_763_800_000_000, eventsPerSecond: 100,
      outOfOrderMs: 5_000, lateFraction: 0, badFraction: 0,
    });
    const produced = gen.nextBatch(200_000);
    const sink = new KafkaSink(testClient());
    await sink.connect();
    for (let i = 0; i < produced.length; i += 10_000) await sink.send(input, produced.slice(i, i + 10_000));
    await sink.disconnect();

    const child = spawn(process.execPath, [
      eddy, 'run', 'content-popularity', '--brokers', local.bootstrap, '--input-topic', input, '--output-topic', output,
      '--window', '1m', '--slide', '20s', '--top', '5', '--out-of-orderness', '5s', '--idle-timeout', '0ms', '--bounded',
      '--parallelism', '2', '--state-dir', mkdtempSync(join(tmpdir(), 'eddy-fault-')), '--group-id', uniqueName('fault'),
      '--checkpoint-interval', '250ms', '--session-timeout', '3s',
    ], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));

    await new Promise((r) => setTimeout(r, 3_000));
    await broker.stop();
    await new Promise((r) => setTimeout(r, 20_000));
    await broker.start({ port: local.port });
    const code = await Promise.race([exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 240_000))]);
    if (code === 'timeout') child.kill('SIGKILL');
    expect(code, stderr.slice(-2_000)).toBe(0);

    const good = produced.map((r) => WatchEventSchema.parse(JSON.parse(r.value.toString())) as WatchEvent);
    const categoryOf = new Map(good.map((e) => [e.contentId, e.category]));
    const expected = referenceWindowTopK([{ kind: 'records', records: good.map((e) => ({ key: e.contentId, ts: e.eventTime, value: e.watchSeconds })) }], {
      window: { kind: 'sliding', size: 60_000, slide: 20_000 }, allowedLateness: 0, k: 5, groupsOf: (k) => [categoryOf.get(k)!, 'all'],
    });
    const got = (await readAll(output, expected.results.length)).map((r) => {
      const t = TrendingRecordSchema.parse(JSON.parse(r.value.toString()));
      return { windowStart: t.windowStart, windowEnd: t.windowEnd, group: t.category, entries: t.rankings.map((e) => ({ key: e.contentId, count: e.views, sum: e.watchSeconds })) };
    });
    const order = (a: (typeof got)[number], b: (typeof got)[number]): number => a.windowEnd - b.windowEnd || a.windowStart - b.windowStart || (a.group < b.group ? -1 : 1);
    expect(got.length).toBe(expected.results.length);
    expect(got.sort(order)).toEqual([...expected.results].sort(order));
  }, 400_000);
});
