/**
 * Helpers for integration tests: the broker address from the global setup, unique names so tests never
 * share topics or groups, and small waits with a deadline.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { inject } from 'vitest';
import { KafkaAdmin, type TopicSpec } from '../admin.js';
import { kafkaClientOptions, type KafkaClientOptions } from '../config.js';

/** Client options for the test broker. */
export function testClient(clientId = 'eddy-itest'): KafkaClientOptions {
  return kafkaClientOptions({ brokers: inject('kafkaBrokers'), clientId, logLevel: 'nothing' });
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
