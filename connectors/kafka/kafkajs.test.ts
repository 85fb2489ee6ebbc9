import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { runInNewContext } from 'node:vm';
import type { Message } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { GROUPING_MODULE_PATH, groupMessagesPerPartition, kafkajs, scheduleCheckPendingRequests, type PendingQueue } from './kafkajs.js';

const require = createRequire(import.meta.url);

/** kafkajs' own grouping, compiled from its file: the reference the fix must agree with. */
function originalGrouping(): typeof groupMessagesPerPartition {
  const module = { exports: {} as unknown };
  runInNewContext(readFileSync(GROUPING_MODULE_PATH, 'utf8'), { module, exports: module.exports });
  return module.exports as typeof groupMessagesPerPartition;
}

describe('kafkajs loader', () => {
  it('groups messages exactly as kafkajs does, for explicit and key-hashed partitions', () => {
    const original = originalGrouping();
    const partitioner = kafkajs.Partitioners.DefaultPartitioner();
    const partitionMetadata = Array.from({ length: 7 }, (_, p) => ({ partitionId: p, leader: 0, partitionErrorCode: 0, replicas: [0], isr: [0] }));
    let seed = 42;
    const rand = (n: number): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    for (let round = 0; round < 20; round += 1) {
      const messages: Message[] = Array.from({ length: rand(400) }, (_, i) =>
        rand(2) === 0 ? { key: `k${rand(50)}`, value: `v${i}` } : { key: null, value: `v${i}`, partition: rand(7) },
      );
      const args = { topic: 't', partitionMetadata, messages, partitioner };
      const fixed = groupMessagesPerPartition(args);
      // Plain objects: the original builds its result in this realm's sibling context.
      expect(JSON.parse(JSON.stringify(fixed))).toEqual(JSON.parse(JSON.stringify(original(args))));
      expect(Object.values(fixed).flat()).toHaveLength(messages.length);
    }
    expect(groupMessagesPerPartition({ topic: 't', partitionMetadata: [], messages: [{ value: 'x' }], partitioner })).toEqual({});
  });

  it("is the module kafkajs' producer loaded", () => {
    const grouping = require.cache[GROUPING_MODULE_PATH];
    expect(grouping?.exports).toBe(groupMessagesPerPartition);
    // Node records a required module among its requirer's children: the producer took ours.
    const sendMessages = require.cache[require.resolve('kafkajs/src/producer/sendMessages.js')];
    expect(sendMessages?.children).toContain(grouping);
  });

  it('request queues arm their check timer only while requests wait (no idle 1 ms loop)', () => {
    type Queue = PendingQueue & { inflight: Map<number, unknown>; destroy(): void };
    const RequestQueue = require('kafkajs/src/network/requestQueue/index.js') as new (o: object) => Queue;
    const logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
    const q = new RequestQueue({ maxInFlightRequests: 1, requestTimeout: 30_000, clientId: 'c', broker: 'b', logger });
    try {
      expect(RequestQueue.prototype.scheduleCheckPendingRequests).toBe(scheduleCheckPendingRequests);
      // What runs after every response: kafkajs 2.2.4 armed a timer here with nothing waiting.
      q.checkPendingRequests();
      expect(q.throttleCheckTimeoutId).toBeNull();
      // A request waiting behind a full in-flight slot gets its check, as before.
      q.inflight.set(1, {});
      q.pending.push({});
      q.scheduleCheckPendingRequests();
      expect(q.throttleCheckTimeoutId).not.toBeNull();
    } finally {
      q.destroy();
    }
  });
});
