/**
 * Processing time in a real `eddy run` (testing/timer-job.ts): reminder timers fire from the wall
 * clock, state with a TTL is deleted from the store (its tombstones reach the changelog), timers and
 * TTL survive a SIGKILL and restart (the timers registered before it fire once after it), and a
 * bounded run fires its pending timers when its input ends instead of waiting for them.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { KafkaAdmin } from '../../connectors/kafka/admin.js';
import { createTopics, readTopic, testClient, uniqueName, waitFor } from '../../connectors/kafka/testing/fixtures.js';
import { encodeWatchEvent, type WatchEvent } from '../../jobs/shared/watch-event.js';
import { produceRecords } from '../../jobs/content-popularity/testing/trending-fixtures.js';
import { runEddy, startServingEddy, type ServingEddy } from '../cli/testing/eddy-process.js';
import { TIMER_JOB, type Reminder } from './testing/timer-job.js';

const KEYS = ['c-1', 'c-2', 'c-3'];
/** The process node's value table: the job's first stateful node takes tables 1–4 (build-operators.ts), values first. */
const VALUE_TABLE = 1;
const children: ServingEddy[] = [];
afterEach(() => children.splice(0).forEach((c) => c.kill()));

/** `perKey` views of each of KEYS, keyed by content id as the generator keys them. */
async function produceViews(topic: string, perKey: number): Promise<void> {
  const now = Date.now();
  const events = KEYS.flatMap((contentId, k) => Array.from({ length: perKey }, (_, i): WatchEvent => ({
    eventId: `e-${now}-${k}-${i}`, contentId, category: 'news', userId: `u-${i}`, region: 'IN-MH', device: 'tv', watchSeconds: 10, eventTime: now - 1_000 + i,
  })));
  await produceRecords(topic, events.map((e) => ({ key: e.contentId, value: encodeWatchEvent(e), kind: 'good' as const })));
}

/** Deletions of the count's entries in the job's changelog (state keys: key group u16, table u8, …). */
async function valueTombstones(changelog: string, atLeast: number): Promise<number> {
  const records = await readTopic(changelog, atLeast, 500);
  return records.filter((r) => r.key !== null && r.key.length > 3 && r.key[2] === VALUE_TABLE && r.value.length === 0).length;
}

const reminders = async (topic: string, n: number): Promise<(Reminder & { at: number })[]> =>
  (await readTopic(topic, n)).map((r) => ({ ...(JSON.parse(r.value.toString()) as Reminder), at: r.timestamp }));

describe('processing time in eddy run', () => {
  it('fires timers from the wall clock, deletes expired state, and keeps both across a SIGKILL', { timeout: 180_000 }, async () => {
    const [input, output, groupId] = [uniqueName('timers-in'), uniqueName('timers-out'), uniqueName('timers')];
    await createTopics([{ name: input, partitions: 2 }, { name: output, partitions: 1 }]);
    const args = ['run', TIMER_JOB, '--input-topic', input, '--output-topic', output, '--delay', '3s', '--ttl', '1s', '--brokers', inject('kafkaBrokers'),
      '--group-id', groupId, '--state-dir', mkdtempSync(join(tmpdir(), 'eddy-timers-')), '--metrics-port', '0', '--checkpoint-interval', '250ms'];
    const changelog = `${groupId}-events-changelog`;
    await produceViews(input, 2);
    const first = startServingEddy(args);
    children.push(first);
    await first.url;
    const before = await reminders(output, KEYS.length);
    expect(new Set(before.map((r) => r.contentId))).toEqual(new Set(KEYS));
    for (const r of before) {
      // Fired from the clock, not early; the count's TTL (1 s) ran out before the timer (3 s).
      expect(r.at).toBeGreaterThanOrEqual(r.timer);
      expect(r.views).toBeNull();
    }
    // Expired entries were deleted, not only hidden: their tombstones are in the changelog.
    expect(await valueTombstones(changelog, 1)).toBeGreaterThanOrEqual(KEYS.length);
    const deletedBefore = await valueTombstones(changelog, 1);

    // New views, committed with their timers; the runner dies before the timers are due.
    const admin = new KafkaAdmin(testClient());
    await admin.connect();
    const phase2 = Date.now();
    await produceViews(input, 1);
    try {
      await waitFor('the new views committed', async () => [...(await admin.committedOffsets(groupId, input)).values()].reduce((n, o) => n + Number(o), 0) >= 9, 2_500);
    } finally {
      await admin.disconnect();
    }
    first.kill();
    const killedAt = Date.now();
    await first.exitCode;
    const second = startServingEddy(args);
    children.push(second);
    await second.url;
    const all = await reminders(output, before.length + KEYS.length);
    const after = all.filter((r) => r.timer >= phase2);
    // Each timer registered before the kill fired once, after the restart.
    expect(after.map((r) => r.contentId).sort()).toEqual([...KEYS].sort());
    for (const r of after) expect(r.timer - 3_000).toBeLessThan(killedAt);
    expect(all).toHaveLength(before.length + KEYS.length);
    // The counts written before the kill expired after it: deleted by the second run.
    await waitFor('the second run deleted the expired counts', async () => (await valueTombstones(changelog, 1)) >= deletedBefore + KEYS.length, 30_000);
  });

  it('a bounded run fires its pending timers when the input ends', { timeout: 120_000 }, async () => {
    const [input, output] = [uniqueName('timers-b-in'), uniqueName('timers-b-out')];
    await createTopics([{ name: input, partitions: 2 }]);
    await produceViews(input, 2);
    const started = Date.now();
    const run = await runEddy(['run', TIMER_JOB, '--bounded', '--input-topic', input, '--output-topic', output, '--delay', '1h', '--ttl', '1h', '--brokers', inject('kafkaBrokers'),
      '--group-id', uniqueName('timers-b'), '--state-dir', mkdtempSync(join(tmpdir(), 'eddy-timers-b-')), '--metrics-port', '0']);
    expect(run.code, run.stderr).toBe(0);
    const fired = await reminders(output, KEYS.length);
    expect(new Set(fired.map((r) => r.contentId))).toEqual(new Set(KEYS));
    for (const r of fired) expect(r.timer).toBeGreaterThan(started + 3_000_000);
    // Each key's last reminder sees both of its views: the count had not expired.
    for (const k of KEYS) expect(Math.max(...fired.filter((r) => r.contentId === k).map((r) => r.views ?? 0))).toBe(2);
  });
});
