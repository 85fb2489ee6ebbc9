/**
 * Helpers for integration tests: the broker address from the global setup, unique names so tests never
 * share topics or groups, and small waits with a deadline.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { inject } from 'vitest';
import { KafkaAdmin, type TopicSpec } from '../admin.js';
import { kafkaClientOptions, type KafkaClientOptions } from '../config.js';
import type { Serde } from '../../../engine/api/serde.js';
import { KafkaSource } from '../kafka-source.js';
import { type SourceRecord } from '../record-source.js';

let ownBroker: string | undefined;

/** Points this test file's helpers at a broker of its own (a test that stops and starts one). */
export function useBroker(bootstrap: string | undefined): void {
  ownBroker = bootstrap;
}

/** Client options for the test broker. */
export function testClient(clientId = 'eddy-itest'): KafkaClientOptions {
  return kafkaClientOptions({ brokers: ownBroker ?? inject('kafkaBrokers'), clientId, logLevel: 'nothing' });
}

/** A name no other test (or earlier run) uses. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

/** Creates topics for one test. */
export async function createTopics(specs: TopicSpec[]): Promise<void> {
  const admin = new KafkaAdmin(testClient('eddy-itest-admin'));
  await admin.connect();
  try {
    await admin.ensureTopics(specs);
  } finally {
    await admin.disconnect();
  }
}

/** Polls `check` until it returns true or the deadline passes (then throws with `what`). */
export async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

const anyBytes: Serde<Buffer> = { decode: (value) => ({ ok: true, value: value ?? Buffer.alloc(0) }), encode: (value) => value };

/**
 * Reads a topic from the start with a fresh group (read_committed) until `n` records have arrived,
 * then a little longer, so that duplicates would show up too.
 */
export async function readTopic(topic: string, n: number, settleMs = 1_000): Promise<SourceRecord<Buffer>[]> {
  const out: SourceRecord<Buffer>[] = [];
  // Every record, as it is: a dead-letter topic holds values of any size, tombstones (read as empty) too.
  const source = new KafkaSource(testClient('eddy-itest-reader'), { groupId: uniqueName('reader'), topics: [topic], maxWaitTimeMs: 100, maxRecordBytes: 1 << 30 }, anyBytes, { write: async () => undefined });
  await source.start(async (b) => void out.push(...b.records));
  try {
    await waitFor(`${n} records on ${topic}`, () => out.length >= n, 60_000);
    await new Promise((r) => setTimeout(r, settleMs));
  } finally {
    await source.stop();
  }
  return out;
}
