import { afterEach, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { KafkaAdmin } from './admin.js';
import { DLQ_HEADERS, KafkaDeadLetterQueue, type DeadLetterWriter } from './dead-letter.js';
import { bytesSerde, jsonSerde, type Serde } from './serde.js';
import { KafkaSink } from './sink.js';
import { KafkaSource, type PartitionBatch, type SourceHooks, type SourceRecord, type TopicPartition } from './source.js';
import { createTopics, testClient, uniqueName, waitFor } from './testing/fixtures.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function sink(opts: ConstructorParameters<typeof KafkaSink>[1] = {}): Promise<KafkaSink> {
  const s = new KafkaSink(testClient('eddy-itest-sink'), opts);
  await s.connect();
  cleanups.push(() => s.disconnect());
  return s;
}

const noDeadLetters: DeadLetterWriter = {
  write: async (r) => {
    if (r.length > 0) throw new Error(`unexpected dead letters: ${r.map((x) => x.reason).join(', ')}`);
  },
};

/** Starts a source that collects what it is handed; returns the collected records per partition. */
async function collect<T>(
  topic: string,
  serde: Serde<T>,
  opts: { groupId?: string; deadLetters?: DeadLetterWriter; hooks?: SourceHooks } = {},
): Promise<{ source: KafkaSource<T>; byPartition: Map<number, SourceRecord<T>[]>; batches: PartitionBatch<T>[] }> {
  const byPartition = new Map<number, SourceRecord<T>[]>();
  const batches: PartitionBatch<T>[] = [];
  const source = new KafkaSource<T>(
    testClient('eddy-itest-source'),
    { groupId: opts.groupId ?? uniqueName('g'), topics: [topic], maxWaitTimeMs: 100 },
    serde,
    opts.deadLetters ?? noDeadLetters,
    opts.hooks,
  );
  await source.start(async (batch) => {
    batches.push(batch);
    const list = byPartition.get(batch.partition) ?? [];
    list.push(...batch.records);
    byPartition.set(batch.partition, list);
  });
  cleanups.push(() => source.stop());
  return { source, byPartition, batches };
}

const total = (m: Map<number, unknown[]>): number => [...m.values()].reduce((n, l) => n + l.length, 0);

describe('Kafka connectors against a real broker', () => {
  it('N records produced are exactly N records consumed', async () => {
    const topic = uniqueName('t-count');
    await createTopics([{ name: topic, partitions: 4 }]);
    const N = 20_000;
    const out = await sink({ batchSize: 3_000 });
    for (let i = 0; i < N; i += 1_000) {
      await out.send(topic, Array.from({ length: 1_000 }, (_, j) => ({ key: `k${i + j}`, value: String(i + j) })));
    }
    await out.flush();
    expect(out.sentCount).toBe(N);

    const { byPartition, source } = await collect(topic, bytesSerde);
    await waitFor(`${N} records`, () => total(byPartition) >= N);
    await new Promise((r) => setTimeout(r, 500)); // anything extra would show up now
    const values = [...byPartition.values()].flat().map((r) => Number(r.value.toString()));
    expect(values.length).toBe(N);
    expect(new Set(values).size).toBe(N);
    expect(Math.min(...values)).toBe(0);
    expect(Math.max(...values)).toBe(N - 1);
    expect(byPartition.size).toBe(4);
    expect(source.owned.map((tp) => tp.partition)).toEqual([0, 1, 2, 3]);
    // Within a partition, records arrive in offset order.
    for (const list of byPartition.values()) {
      const offsets = list.map((r) => BigInt(r.offset));
      expect(offsets).toEqual([...offsets].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    }
  });

  it('an aborted transaction is invisible to read_committed, a committed one visible with its offsets', async () => {
    const input = uniqueName('t-in');
    const output = uniqueName('t-out');
    const groupId = uniqueName('g-txn');
    await createTopics([{ name: input, partitions: 2 }, { name: output, partitions: 1 }]);
    const tx = await sink({ mode: 'transactional', transactionalId: uniqueName('txn') });

    await tx.begin();
    await tx.send(output, [{ key: 'a', value: 'aborted-1' }, { key: 'a', value: 'aborted-2' }]);
    await tx.flush(); // on the broker, but not committed
    await tx.abort();

    await tx.begin();
    await tx.send(output, [{ key: 'c', value: 'committed-1' }, { key: 'c', value: 'committed-2' }]);
    await tx.commit({ consumerGroupId: groupId, offsets: [{ topic: input, partition: 0, offset: 7n }, { topic: input, partition: 1, offset: 3n }] });

    const { byPartition } = await collect(output, bytesSerde);
    await waitFor('the committed records', () => total(byPartition) >= 2);
    await new Promise((r) => setTimeout(r, 1_000));
    expect([...byPartition.values()].flat().map((r) => r.value.toString())).toEqual(['committed-1', 'committed-2']);

    const admin = new KafkaAdmin(testClient());
    await admin.connect();
    cleanups.push(() => admin.disconnect());
    expect(await admin.committedOffsets(groupId, input)).toEqual(new Map([[0, 7n], [1, 3n]]));

    // An aborted transaction's offsets are not committed either.
    await tx.begin();
    await tx.send(output, [{ value: 'aborted-3' }]);
    await tx.flush();
    await tx.abort();
    expect(await admin.committedOffsets(groupId, input)).toEqual(new Map([[0, 7n], [1, 3n]]));
  });

  it('a transaction far over the broker\'s 1 MiB batch limit, sent to one partition in one call, commits whole', async () => {
    const topic = uniqueName('t-big');
    await createTopics([{ name: topic, partitions: 1 }]);
    const tx = await sink({ mode: 'transactional', transactionalId: uniqueName('txn-big'), batchSize: 100_000 });
    const N = 40_000;
    const filler = 'x'.repeat(100);
    await tx.begin();
    // ~4.6 MB: as one batch the broker would refuse it (MESSAGE_TOO_LARGE).
    await tx.send(topic, Array.from({ length: N }, (_, i) => ({ key: `k${i}`, value: `${i}:${filler}`, partition: 0 })));
    await tx.commit();
    expect(tx.nextOffset(topic, 0)).toBe(BigInt(N));

    const { byPartition } = await collect(topic, bytesSerde);
    await waitFor(`${N} records`, () => total(byPartition) >= N);
    const values = [...byPartition.values()].flat().map((r) => Number(r.value.toString().split(':')[0]));
    expect(values).toEqual(Array.from({ length: N }, (_, i) => i));
  });

  it('pauses and resumes single partitions', async () => {
    const topic = uniqueName('t-pause');
    await createTopics([{ name: topic, partitions: 2 }]);
    const out = await sink();
    await out.send(topic, Array.from({ length: 200 }, (_, i) => ({ value: String(i), partition: i % 2 })));
    await out.flush();

    const p0: TopicPartition = { topic, partition: 0 };
    const ref: { source?: KafkaSource<Buffer> } = {};
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
    const dlqTopic = `${topic}-dlq`;
    await createTopics([{ name: topic, partitions: 2 }, { name: dlqTopic, partitions: 1 }]);
    const Event = z.object({ id: z.number().int(), name: z.string() });
    const out = await sink();
    const good = Array.from({ length: 50 }, (_, i) => ({ key: `k${i}`, value: JSON.stringify({ id: i, name: `n${i}` }) }));
    const bad = [
      { key: 'b0', value: '{"id":1,' }, // not JSON
      { key: 'b1', value: Buffer.from([0xc3, 0x28]) }, // not UTF-8
      { key: 'b2', value: '{"id":"x","name":"y"}' }, // wrong type
      { key: 'b3', value: '{"name":"no id"}' }, // missing field
    ];
    await out.send(topic, [...good.slice(0, 25), ...bad, ...good.slice(25)]);
    await out.flush();

    const dlqSink = await sink();
    const dlq = new KafkaDeadLetterQueue(dlqSink, dlqTopic);
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
    expect(String(byKey.get('b0')!.headers[DLQ_HEADERS.reason])).toMatch(/^json:/);
    expect(String(byKey.get('b1')!.headers[DLQ_HEADERS.reason])).toMatch(/^encoding:/);
    expect(String(byKey.get('b2')!.headers[DLQ_HEADERS.reason])).toMatch(/^schema: id:/);
    expect(String(byKey.get('b3')!.headers[DLQ_HEADERS.reason])).toMatch(/^schema: id:/);
    for (const l of letters) {
      expect(String(l.headers[DLQ_HEADERS.topic])).toBe(topic);
      const partition = Number(l.headers[DLQ_HEADERS.partition]);
      const offset = String(l.headers[DLQ_HEADERS.offset]);
      expect([0, 1]).toContain(partition);
      expect(offset).toMatch(/^\d+$/);
    }
  });

  it('reports end offsets', async () => {
    const topic = uniqueName('t-offsets');
    await createTopics([{ name: topic, partitions: 3 }]);
    const out = await sink();
    await out.send(topic, Array.from({ length: 30 }, (_, i) => ({ value: String(i), partition: i % 3 })));
    await out.flush();
    const admin = new KafkaAdmin(testClient());
    await admin.connect();
    cleanups.push(() => admin.disconnect());
    const offsets = await admin.offsets(topic);
    expect(offsets.map((o) => [o.partition, o.low, o.high])).toEqual([[0, 0n, 10n], [1, 0n, 10n], [2, 0n, 10n]]);
    const again = await admin.ensureTopics([{ name: topic, partitions: 5 }]);
    expect(again).toEqual([{ name: topic, created: false, partitions: 3 }]);
  });

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
    const first: KafkaSource<Buffer> = new KafkaSource(
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

  it("lists a group's members with their client ids, and removes a live one on its behalf: it has to join again, under a new id", async () => {
    const topic = uniqueName('t-evict');
    await createTopics([{ name: topic, partitions: 1 }]);
    const groupId = uniqueName('g-evict');
    const admin = new KafkaAdmin(testClient());
    await admin.connect();
    cleanups.push(() => admin.disconnect());
    await collect(topic, bytesSerde, { groupId });
    let members: { memberId: string; clientId: string }[] = [];
    await waitFor('the first join', async () => (members = await admin.groupMembers(groupId)).length === 1);
    const [first] = members;
    // collect() connects as eddy-itest-source; kafkajs names members <clientId>-<uuid>.
    expect(first!.clientId).toBe('eddy-itest-source');
    expect(first!.memberId.startsWith('eddy-itest-source-')).toBe(true);
    expect(await admin.removeMembers(groupId, ['not-a-member'])).toBe(0);
    expect(await admin.removeMembers(groupId, [first!.memberId])).toBe(1);
    // Its next heartbeat learns it is no longer a member (its session would have lasted 30 s).
    await waitFor('the member to join again', async () => {
      members = await admin.groupMembers(groupId);
      return members.length === 1 && members[0]!.memberId !== first!.memberId;
    }, 15_000);
  });
});

