/**
 * Several processes: three runners (`eddy run`, one member thread each) share the job's consumer
 * group; one is killed with SIGKILL mid-run; its partitions move to the other two, which rebuild the
 * state from the changelog (each process has its own state folder) and finish. The output equals the
 * reference exactly.
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
import { TrendingRecordSchema } from '../../jobs/content-popularity/trending-record.js';
import { referenceWindowTopK, type RefResult } from '../testing/reference/window-top-k-reference.js';

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

describe('several runner processes', () => {
  it('keep the output exactly once when one of three is killed and its partitions move', async () => {
    const input = uniqueName('multi-in');
    const output = uniqueName('multi-out');
    await createTopics([{ name: input, partitions: 6 }]);
    const gen = new WatchEventGenerator({
      seed: 3, items: 500, zipf: 1.1, categories: ['movies', 'series', 'news'], startTime: 1_763_800_000_000, eventsPerSecond: 100,
      outOfOrderMs: 5_000, lateFraction: 0, badFraction: 0.005,
    });
    const produced = gen.nextBatch(240_000);
    const sink = new KafkaSink(testClient());
    await sink.connect();
    for (let i = 0; i < produced.length; i += 10_000) await sink.send(input, produced.slice(i, i + 10_000));
    await sink.disconnect();

    const groupId = uniqueName('multi');
    const start = (i: number): { exited: Promise<{ code: number | null; signal: string | null; stderr: string }>; kill: () => void } => {
      const child = spawn(process.execPath, [
        eddy, 'run', 'content-popularity', '--brokers', inject('kafkaBrokers'), '--input-topic', input, '--output-topic', output,
        '--window', '1m', '--slide', '20s', '--top', '5', '--out-of-orderness', '5s', '--idle-timeout', '0ms', '--bounded',
        '--parallelism', '1', '--state-dir', mkdtempSync(join(tmpdir(), `eddy-multi-${i}-`)), '--group-id', groupId,
        '--checkpoint-interval', '250ms', '--session-timeout', '2s',
      ], { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      return { exited: new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stderr }))), kill: () => child.kill('SIGKILL') };
    };
    const runners = [0, 1, 2].map(start);
    await new Promise((r) => setTimeout(r, 4_000));
    runners[1]!.kill();
    const results = await Promise.all(runners.map((r) => r.exited));
    expect(results[1]!.signal).toBe('SIGKILL');
    expect(results[0]!.code, results[0]!.stderr.slice(-2_000)).toBe(0);
    expect(results[2]!.code, results[2]!.stderr.slice(-2_000)).toBe(0);

    const good = produced.filter((r) => r.kind === 'good').map((r) => WatchEventSchema.parse(JSON.parse(r.value.toString())) as WatchEvent);
    const categoryOf = new Map(good.map((e) => [e.contentId, e.category]));
    const expected = referenceWindowTopK([{ kind: 'records', records: good.map((e) => ({ key: e.contentId, ts: e.eventTime, value: e.watchSeconds })) }], {
      window: { kind: 'sliding', size: 60_000, slide: 20_000 }, allowedLateness: 0, k: 5, groupsOf: (k) => [categoryOf.get(k)!, 'all'],
    });
    const got: RefResult[] = (await readAll(output, expected.results.length)).map((r) => {
      const t = TrendingRecordSchema.parse(JSON.parse(r.value.toString()));
      return { windowStart: t.windowStart, windowEnd: t.windowEnd, group: t.category, entries: t.rankings.map((e) => ({ key: e.contentId, count: e.views, sum: e.watchSeconds })) };
    });
    const order = (a: RefResult, b: RefResult): number => a.windowEnd - b.windowEnd || a.windowStart - b.windowStart || (a.group < b.group ? -1 : a.group > b.group ? 1 : 0);
    expect(got.length).toBe(expected.results.length);
    expect(got.sort(order)).toEqual([...expected.results].sort(order));
    const bad = produced.length - good.length;
    expect(await readAll(`${input}-dlq`, bad)).toHaveLength(bad);
  }, 600_000);
});
