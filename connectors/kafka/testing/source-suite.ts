/**
 * The integration tests every {@link RecordSource} passes, whichever client it runs on: kafka.itest.ts
 * runs them for the kafkajs source, confluent-source.itest.ts for the librdkafka one.
 */
import { afterEach, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { KafkaAdmin } from '../admin.js';
import { createKafka, type KafkaClientOptions } from '../config.js';
import { DLQ_HEADERS, ensureDeadLetterTopic, KafkaDeadLetterQueue, type DeadLetterWriter } from '../dead-letter.js';
import { kafkajs } from '../kafkajs.js';
import { bytesSerde, jsonSerde, type Serde } from '../../../engine/api/serde.js';
import { KafkaSink } from '../sink.js';
import type { PartitionBatch, RecordSource, SourceHooks, SourceOptions, SourceRecord, TopicPartition } from '../record-source.js';
import { createTopics, testClient, uniqueName, waitFor } from './fixtures.js';

/** Builds a source (the constructor both implementations share). */
export type SourceFactory = <T>(client: KafkaClientOptions, options: SourceOptions, serde: Serde<T>, deadLetters: DeadLetterWriter, hooks?: SourceHooks) => RecordSource<T>;

/** A source's collected output. */
export interface Collected<T> {
  source: RecordSource<T>;
  byPartition: Map<number, SourceRecord<T>[]>;
  batches: PartitionBatch<T>[];
}

export const noDeadLetters: DeadLetterWriter = {
  write: async (r) => {
    if (r.length > 0) throw new Error(`unexpected dead letters: ${r.map((x) => `${x.reason} (${x.detail})`).join(', ')}`);
  },
};

export const total = (m: Map<number, unknown[]>): number => [...m.values()].reduce((n, l) => n + l.length, 0);

/**
 * Returns a function that starts a source collecting what it is handed; `onCleanup` receives its stop.
 *
 * @example
 * const collect = collector(kafkajsSource, (stop) => cleanups.push(stop));
 * const { byPartition } = await collect(topic, bytesSerde);
 */
export function collector(make: SourceFactory, onCleanup: (stop: () => Promise<void>) => void) {
  return async <T>(
    topic: string,
    serde: Serde<T>,
    opts: { groupId?: string; deadLetters?: DeadLetterWriter; hooks?: SourceHooks; maxRecordBytes?: number } = {},
  ): Promise<Collected<T>> => {
    const byPartition = new Map<number, SourceRecord<T>[]>();
    const batches: PartitionBatch<T>[] = [];
    const options: SourceOptions = { groupId: opts.groupId ?? uniqueName('g'), topics: [topic], maxWaitTimeMs: 100, ...(opts.maxRecordBytes ? { maxRecordBytes: opts.maxRecordBytes } : {}) };
    const source = make<T>(testClient('eddy-itest-source'), options, serde, opts.deadLetters ?? noDeadLetters, opts.hooks);
    await source.start(async (batch) => {
      batches.push(batch);
      const list = byPartition.get(batch.partition) ?? [];
      list.push(...batch.records);
      byPartition.set(batch.partition, list);
    });
    onCleanup(() => source.stop());
    return { source, byPartition, batches };
  };
}

/** Registers the shared source tests under `label`. */
export function describeSource(label: string, make: SourceFactory): void {
  describe(`${label} source against a real broker`, () => {
    const cleanups: (() => Promise<void>)[] = [];
    afterEach(async () => {
      for (const c of cleanups.splice(0).reverse()) await c();
    });
    const collect = collector(make, (stop) => cleanups.push(stop));
    const sink = async (opts: ConstructorParameters<typeof KafkaSink>[1] = {}): Promise<KafkaSink> => {
      const s = new KafkaSink(testClient('eddy-itest-sink'), opts);
      await s.connect();
      cleanups.push(() => s.disconnect());
      return s;
    };
    /** Creates `topic` (one partition) and its dead-letter topic the way a job does; returns the queue. */
    const withDeadLetterTopic = async (topic: string, partitions: number): Promise<{ dlqTopic: string; dlq: KafkaDeadLetterQueue }> => {
      const dlqTopic = `${topic}-dlq`;
      await createTopics([{ name: topic, partitions }]);
      const admin = new KafkaAdmin(testClient('eddy-itest-admin'));
      await admin.connect();
      const maxBytes = await ensureDeadLetterTopic(admin, topic, dlqTopic).finally(() => admin.disconnect());
      return { dlqTopic, dlq: new KafkaDeadLetterQueue(await sink(), dlqTopic, maxBytes) };
    };
    /** Produces with a plain kafkajs producer, gzip-compressed: how a record too big uncompressed gets past the broker. */
    const sendGzipped = async (topic: string, messages: { key: string; value: string; headers?: Record<string, string> }[]): Promise<void> => {
      const producer = createKafka(testClient('eddy-itest-gzip')).producer();
      await producer.connect();
      try {
        await producer.send({ topic, compression: kafkajs.CompressionTypes.GZIP, messages: messages.map((m) => ({ ...m, partition: 0 })) });
      } finally {
        await producer.disconnect();
      }
    };
    const Event = z.object({ id: z.number().int(), name: z.string() });
    const event = (i: number): { key: string; value: string } => ({ key: `k${i}`, value: JSON.stringify({ id: i, name: `n${i}` }) });
    /** Key, value and headers (names and values) of a record, in bytes, the way Kafka sizes them. */
    const ownBytes = (m: { key: string; value: string; headers?: Record<string, string> }): number =>
      Buffer.byteLength(m.key) + Buffer.byteLength(m.value) + Object.entries(m.headers ?? {}).reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v), 0);

    it('N records produced are exactly N records consumed, in offset order per partition', async () => {
      const topic = uniqueName('t-count');
      await createTopics([{ name: topic, partitions: 4 }]);
      const N = 20_000;
      const out = await sink({ batchSize: 3_000 });
      for (let i = 0; i < N; i += 1_000) {
        await out.send(topic, Array.from({ length: 1_000 }, (_, j) => ({ key: `k${i + j}`, value: String(i + j), headers: { n: String(i + j) } })));
      }
      await out.flush();
      expect(out.sentCount).toBe(N);

      const { byPartition, source } = await collect(topic, bytesSerde);
      await waitFor(`${N} records`, () => total(byPartition) >= N);
      await new Promise((r) => setTimeout(r, 500)); // anything extra would show up now
      const all = [...byPartition.values()].flat();
      const values = all.map((r) => Number(r.value.toString()));
      expect(values.length).toBe(N);
      expect(new Set(values).size).toBe(N);
      expect(Math.min(...values)).toBe(0);
      expect(Math.max(...values)).toBe(N - 1);
      // Keys and headers come through with their values.
      expect(all.every((r) => r.key?.toString() === `k${r.value.toString()}` && String(r.headers.n) === r.value.toString())).toBe(true);
      expect(byPartition.size).toBe(4);
      expect(source.owned.map((tp) => tp.partition)).toEqual([0, 1, 2, 3]);
      for (const list of byPartition.values()) {
        const offsets = list.map((r) => BigInt(r.offset));
        expect(offsets).toEqual([...offsets].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
      }
    });

    it('reports the position after a transaction marker that ends a partition (where a bounded run ends)', async () => {
      const topic = uniqueName('t-marker');
      await createTopics([{ name: topic, partitions: 1 }]);
      const tx = await sink({ mode: 'transactional', transactionalId: uniqueName('txn-marker') });
      await tx.begin();
      await tx.send(topic, Array.from({ length: 10 }, (_, i) => ({ value: String(i), partition: 0 })));
      await tx.commit();
      // Records at offsets 0-9, the commit marker at 10: reading continues at 11, told either by the
      // last batch's nextOffset or, when the marker came on its own, by onProgress.
      let progress = -1n;
      const { byPartition, batches } = await collect(topic, bytesSerde, { hooks: { onProgress: (_tp, next) => (progress = next > progress ? next : progress) } });
      const position = (): bigint => [progress, ...batches.map((b) => b.nextOffset)].reduce((a, b) => (b > a ? b : a));
      await waitFor('the position after the marker', () => position() >= 11n);
      expect(byPartition.get(0)!.map((r) => r.value.toString())).toEqual(Array.from({ length: 10 }, (_, i) => String(i)));
      expect(position()).toBe(11n);
    });

    it('pauses and resumes single partitions', async () => {
      const topic = uniqueName('t-pause');
      await createTopics([{ name: topic, partitions: 2 }]);
      const out = await sink();
      await out.send(topic, Array.from({ length: 200 }, (_, i) => ({ value: String(i), partition: i % 2 })));
      await out.flush();

      const p0: TopicPartition = { topic, partition: 0 };
      const ref: { source?: RecordSource<Buffer> } = {};
      const got = await collect(topic, bytesSerde, { hooks: { onAssignment: () => ref.source?.pause([p0]) } });
      const source = (ref.source = got.source);
      // The first join may have happened before `ref.source` was set: pause now as well.
      source.pause([p0]);
      await waitFor('partition 1', () => (got.byPartition.get(1)?.length ?? 0) >= 100);
      await new Promise((r) => setTimeout(r, 1_000));
      const p0BeforeResume = got.byPartition.get(0)?.length ?? 0;
      expect(source.stats().find((s) => s.partition === 0)?.paused).toBe(true);

      source.resume([p0]);
      await waitFor('partition 0 after resume', () => (got.byPartition.get(0)?.length ?? 0) >= 100);
      // At most one fetch could have been in flight when the pause was registered.
      expect(p0BeforeResume === 0 || p0BeforeResume === 100).toBe(true);
      expect(got.byPartition.get(0)!.length).toBe(100);
    });

    it('starts partitions from given offsets instead of the committed ones', async () => {
      const topic = uniqueName('t-seek');
      await createTopics([{ name: topic, partitions: 2 }]);
      const out = await sink();
      await out.send(topic, Array.from({ length: 40 }, (_, i) => ({ value: String(i), partition: i % 2 })));
      await out.flush();

      const start = new Map([[0, 15n], [1, 0n]]);
      const { byPartition } = await collect(topic, bytesSerde, { hooks: { startOffset: (tp) => start.get(tp.partition) } });
      await waitFor('both partitions', () => (byPartition.get(0)?.length ?? 0) >= 5 && (byPartition.get(1)?.length ?? 0) >= 20);
      await new Promise((r) => setTimeout(r, 500));
      expect(byPartition.get(0)!.map((r) => r.offset)).toEqual(['15', '16', '17', '18', '19']);
      expect(byPartition.get(1)!.length).toBe(20);
    });

    it('sends bad records to the dead-letter topic with their reason while good ones flow', async () => {
      const topic = uniqueName('t-dlq');
      const { dlqTopic, dlq } = await withDeadLetterTopic(topic, 2);
      const out = await sink();
      const good = Array.from({ length: 50 }, (_, i) => event(i));
      const bad = [
        { key: 'b0', value: '{"id":1,' }, // not JSON
        { key: 'b1', value: Buffer.from([0xc3, 0x28]) }, // not UTF-8
        { key: 'b2', value: '{"id":"x","name":"y"}' }, // wrong type
        { key: 'b3', value: '{"name":"no id"}' }, // missing field
      ];
      await out.send(topic, [...good.slice(0, 25), ...bad, ...good.slice(25)]);
      await out.flush();

      const { byPartition, source } = await collect(topic, jsonSerde(Event), { deadLetters: dlq });
      await waitFor('good records and rejections', () => total(byPartition) >= 50 && source.stats().reduce((n, s) => n + s.rejected, 0) >= 4);
      expect([...byPartition.values()].flat().map((r) => r.value.id).sort((a, b) => a - b)).toEqual(good.map((_, i) => i));
      expect(source.stats().reduce((n, s) => n + s.rejected, 0)).toBe(4);

      const dead = await collect(dlqTopic, bytesSerde);
      await waitFor('4 dead letters', () => total(dead.byPartition) >= 4);
      const letters = [...dead.byPartition.values()].flat();
      expect(letters.map((l) => l.key?.toString()).sort()).toEqual(['b0', 'b1', 'b2', 'b3']);
      const byKey = new Map(letters.map((l) => [l.key!.toString(), l]));
      expect(byKey.get('b1')!.value).toEqual(Buffer.from([0xc3, 0x28])); // original bytes kept
      const why = (key: string): [string, string] => [String(byKey.get(key)!.headers[DLQ_HEADERS.reason]), String(byKey.get(key)!.headers[DLQ_HEADERS.detail])];
      expect(why('b0')).toEqual(['decode', expect.stringMatching(/^json: /)]);
      expect(why('b1')).toEqual(['decode', 'encoding: value is not valid UTF-8']);
      expect(why('b2')).toEqual(['schema', expect.stringMatching(/^id: /)]);
      expect(why('b3')).toEqual(['schema', expect.stringMatching(/^id: /)]);
      for (const l of letters) {
        expect(l.headers[DLQ_HEADERS.truncated]).toBeUndefined();
        expect(String(l.headers[DLQ_HEADERS.topic])).toBe(topic);
        expect([0, 1]).toContain(Number(l.headers[DLQ_HEADERS.partition]));
        expect(String(l.headers[DLQ_HEADERS.offset])).toMatch(/^\d+$/);
      }
    });

    it('a 3 MB record sent gzip-compressed is dead-lettered with reason size, truncated to fit the dead-letter topic, and the records after it flow', async () => {
      const topic = uniqueName('t-big');
      const { dlqTopic, dlq } = await withDeadLetterTopic(topic, 1);
      // A valid event, 3 MB of it: decoded, it would be handed over. Gzip takes it to a few KiB.
      const big = { key: 'big', value: JSON.stringify({ id: -1, name: 'x'.repeat(3 * 1024 * 1024) }), headers: { trace: 't-1' } };
      await sendGzipped(topic, [...Array.from({ length: 10 }, (_, i) => event(i)), big, ...Array.from({ length: 10 }, (_, i) => event(10 + i))]);

      const { byPartition, source } = await collect(topic, jsonSerde(Event), { deadLetters: dlq });
      await waitFor('the records around the big one', () => total(byPartition) >= 20);
      expect(byPartition.get(0)!.map((r) => r.value.id)).toEqual(Array.from({ length: 20 }, (_, i) => i));
      expect(byPartition.get(0)!.map((r) => r.offset)).toEqual([...Array.from({ length: 10 }, (_, i) => String(i)), ...Array.from({ length: 10 }, (_, i) => String(11 + i))]);
      expect(source.stats()[0]!.rejected).toBe(1);

      // The dead letter is bigger than a reader's default maxRecordBytes: read it with more room.
      const dead = await collect(dlqTopic, bytesSerde, { maxRecordBytes: 4 * 1024 * 1024 });
      await waitFor('the dead letter', () => total(dead.byPartition) >= 1);
      const [letter] = [...dead.byPartition.values()].flat();
      const size = ownBytes(big);
      expect(size).toBeGreaterThan(3 * 1024 * 1024);
      expect(String(letter!.headers[DLQ_HEADERS.reason])).toBe('size');
      expect(String(letter!.headers[DLQ_HEADERS.detail])).toBe(`record is ${size} bytes, over the limit of 1048576 (maxRecordBytes)`);
      expect(String(letter!.headers[DLQ_HEADERS.truncated])).toBe('headers,value');
      expect(String(letter!.headers[DLQ_HEADERS.originalSize])).toBe(String(size));
      expect(String(letter!.headers[DLQ_HEADERS.offset])).toBe('10');
      expect(letter!.headers.trace).toBeUndefined();
      expect(letter!.key?.toString()).toBe('big');
      // As much of the value as the topic takes: nearly all of its max.message.bytes, and no more.
      expect(letter!.value.length).toBeGreaterThan(dlq.maxBytes - 8 * 1024);
      expect(letter!.value.length).toBeLessThan(dlq.maxBytes);
      expect(letter!.value.equals(Buffer.from(big.value).subarray(0, letter!.value.length))).toBe(true);
    });

    it('a record with 1.5 MB of headers, sent gzip-compressed, is dead-lettered with reason size, without them', async () => {
      const topic = uniqueName('t-headers');
      const { dlqTopic, dlq } = await withDeadLetterTopic(topic, 1);
      const headers = Object.fromEntries(Array.from({ length: 3 }, (_, i) => [`h${i}`, String(i).repeat(512 * 1024)]));
      const heavy = { ...event(5), key: 'heavy', headers };
      await sendGzipped(topic, [event(0), heavy, event(1)]);

      const { byPartition } = await collect(topic, jsonSerde(Event), { deadLetters: dlq });
      await waitFor('the records around the heavy one', () => total(byPartition) >= 2);
      expect(byPartition.get(0)!.map((r) => r.value.id)).toEqual([0, 1]);

      const dead = await collect(dlqTopic, bytesSerde);
      await waitFor('the dead letter', () => total(dead.byPartition) >= 1);
      const [letter] = [...dead.byPartition.values()].flat();
      const size = ownBytes(heavy);
      expect(size).toBeGreaterThan(1_500_000);
      expect(String(letter!.headers[DLQ_HEADERS.reason])).toBe('size');
      expect(String(letter!.headers[DLQ_HEADERS.detail])).toBe(`record is ${size} bytes, over the limit of 1048576 (maxRecordBytes)`);
      expect(String(letter!.headers[DLQ_HEADERS.truncated])).toBe('headers');
      expect(String(letter!.headers[DLQ_HEADERS.originalSize])).toBe(String(size));
      expect(Object.keys(letter!.headers).filter((k) => !k.startsWith('eddy.dlq.'))).toEqual([]);
      expect(letter!.value.toString()).toBe(heavy.value);
    });

    it('stays in its group while one batch is handled for longer than the session timeout (a restore, a slow function)', async () => {
      const topic = uniqueName('t-slow');
      await createTopics([{ name: topic, partitions: 1 }]);
      const out = await sink();
      const send = async (from: number): Promise<void> => {
        await out.send(topic, [from, from + 1, from + 2].map((i) => ({ key: `k${i}`, value: String(i) })));
        await out.flush();
      };
      await send(0);
      const joins: number[] = [];
      const handled: string[] = [];
      const source: RecordSource<Buffer> = make(
        testClient('eddy-itest-source'),
        { groupId: uniqueName('g-slow'), topics: [topic], sessionTimeoutMs: 2_000, heartbeatIntervalMs: 200, autoCommit: false, maxWaitTimeMs: 100 },
        bytesSerde,
        noDeadLetters,
        { onAssignment: (owned) => joins.push(owned.length) },
      );
      await source.start(async (batch) => {
        // The first batch takes three session timeouts.
        if (handled.length === 0) await new Promise((r) => setTimeout(r, 6_000));
        handled.push(...batch.records.map((r) => r.value.toString()));
      });
      cleanups.push(() => source.stop());
      await waitFor('the slow first batch', () => handled.length === 3, 30_000);
      await send(3);
      await waitFor('the records after it', () => handled.length >= 6, 30_000);
      // A member whose session ended would have joined again, and read the uncommitted records again.
      expect({ joins, handled }).toEqual({ joins: [1], handled: ['0', '1', '2', '3', '4', '5'] });
    }, 60_000);

    it('tells its owner of a rebalance while it still owns its partitions, before giving them up (the moment to commit)', async () => {
      const topic = uniqueName('t-rebalance');
      await createTopics([{ name: topic, partitions: 4 }]);
      const out = await sink({ batchSize: 5_000 });
      for (let i = 0; i < 40_000; i += 5_000) await out.send(topic, Array.from({ length: 5_000 }, (_, j) => ({ key: `k${i + j}`, value: String(i + j) })));
      await out.flush();
      const groupId = uniqueName('g-rebalance');
      const events: string[] = [];
      // Small, slow batches with a heartbeat after each: the first member is busy when the second joins.
      // No auto-commit, as in a runner's members (an offset commit can be the first to meet the rebalance).
      const first: RecordSource<Buffer> = make(
        testClient('eddy-itest-source'),
        { groupId, topics: [topic], maxBytesPerPartition: 4_096, heartbeatIntervalMs: 100, autoCommit: false },
        bytesSerde,
        noDeadLetters,
        {
          onAssignment: (owned) => events.push(`assigned ${owned.length}`),
          onRebalance: async () => void events.push(`rebalancing, owning ${first.owned.length}`),
        },
      );
      await first.start(() => new Promise((r) => setTimeout(r, 20)));
      cleanups.push(() => first.stop());
      await waitFor('the first member to own every partition', () => first.owned.length === 4);
      await collect(topic, bytesSerde, { groupId });
      await waitFor('the first member to give up half', () => first.owned.length === 2, 30_000);
      expect(events).toEqual(['assigned 4', 'rebalancing, owning 4', 'assigned 2']);
    });
  });
}
