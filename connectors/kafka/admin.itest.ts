/**
 * Topics are usable as soon as `ensureTopics` returns, on a fresh KRaft broker of the test's own:
 * there, a metadata request right after CreateTopics says the topic does not exist, and a partition
 * in the metadata may not be served by its leader yet (kafkajs's `waitForLeaders` failed on the
 * first nearly every time). Each round creates topics and at once reads their offsets and writes
 * to every partition, with no client retries to hide a failure.
 */
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalBroker, brokerPaths } from '../../deploy/local/local-broker.js';
import { freeBrokerPort, freshEddyHome } from '../../deploy/local/testing/fresh-broker.js';
import { KafkaAdmin } from './admin.js';
import { createKafka, kafkaClientOptions } from './config.js';

const ROUNDS = 10;
const PARTITIONS = 8;

const home = freshEddyHome();
const broker = new LocalBroker(brokerPaths(home), () => undefined);
afterAll(async () => {
  await broker.stop().catch(() => undefined);
  rmSync(home, { recursive: true, force: true });
});

describe('ensureTopics on a fresh broker', () => {
  it('returns once every partition of every topic is served', async () => {
    const { bootstrap } = await broker.start({ port: await freeBrokerPort(), fresh: true });
    const opts = kafkaClientOptions({ brokers: bootstrap, clientId: 'eddy-itest-topics', logLevel: 'nothing', retry: { retries: 0 } });
    const admin = new KafkaAdmin(opts);
    const producer = createKafka(opts).producer({ retry: { retries: 0 } });
    await admin.connect();
    await producer.connect();
    try {
      for (let round = 0; round < ROUNDS; round++) {
        const names = ['a', 'b', 'c'].map((t) => `round-${round}-${t}`);
        const ensured = await admin.ensureTopics(names.map((name) => ({ name, partitions: PARTITIONS })));
        expect(ensured).toEqual(names.map((name) => ({ name, created: true, partitions: PARTITIONS })));
        for (const name of names) {
          expect((await admin.offsets(name)).map((p) => p.high)).toEqual(Array<bigint>(PARTITIONS).fill(0n));
          await producer.send({ topic: name, messages: Array.from({ length: PARTITIONS }, (_, partition) => ({ partition, value: 'x' })) });
        }
      }
    } finally {
      await producer.disconnect();
      await admin.disconnect();
    }
  }, 180_000);
});
