import { describe, expect, it } from 'vitest';
import type { PartitionOffsets } from '../../connectors/kafka/admin.js';
import { idleCheck, type IdleCandidate } from './idle-check.js';

const NOW = 1_000_000;
const slot = (o: Partial<IdleCandidate> & { quietMs: number }): IdleCandidate => ({
  stage: { topic: 'in', idleTimeoutMs: 60_000 },
  partition: 0,
  next: 500n,
  lastRecordAt: NOW - o.quietMs,
  ...o,
});
/** A broker whose partitions 0 and 1 of `in` end at `high`, counting the questions asked. */
const broker = (high: bigint, low = 0n) => {
  const asked: string[] = [];
  const ends = async (topic: string): Promise<PartitionOffsets[]> => {
    asked.push(topic);
    return [{ partition: 0, low, high }, { partition: 1, low, high }];
  };
  return { asked, ends };
};

describe('idleCheck', () => {
  it('keeps a partition quiet past the timeout active while its records wait unread (a busy member)', async () => {
    const { ends } = broker(564n);
    expect(await idleCheck(ends)(slot({ quietMs: 75_000 }), NOW)).toBe(false);
  });

  it('calls a partition idle once it was quiet for the timeout and has read all it holds', async () => {
    const { ends } = broker(500n);
    expect(await idleCheck(ends)(slot({ quietMs: 60_000 }), NOW)).toBe(true);
  });

  it('does not ask the broker about a partition that took records within the timeout', async () => {
    const { asked, ends } = broker(500n);
    expect(await idleCheck(ends)(slot({ quietMs: 59_999 }), NOW)).toBe(false);
    expect(asked).toEqual([]);
  });

  it('never calls a partition idle with a timeout of 0', async () => {
    const { ends } = broker(500n);
    expect(await idleCheck(ends)(slot({ quietMs: 3_600_000, stage: { topic: 'in', idleTimeoutMs: 0 } }), NOW)).toBe(false);
  });

  it('keeps a partition active when the broker does not answer', async () => {
    const check = idleCheck(async () => Promise.reject(new Error('broker gone')));
    expect(await check(slot({ quietMs: 75_000 }), NOW)).toBe(false);
  });

  it('takes a task without a position as reading from the start of its partition', async () => {
    expect(await idleCheck(broker(40n, 40n).ends)(slot({ quietMs: 75_000, next: undefined }), NOW)).toBe(true);
    expect(await idleCheck(broker(40n, 10n).ends)(slot({ quietMs: 75_000, next: undefined }), NOW)).toBe(false);
  });

  it('asks for a topic’s ends once per check', async () => {
    const { asked, ends } = broker(500n);
    const check = idleCheck(ends);
    expect(await check(slot({ quietMs: 75_000 }), NOW)).toBe(true);
    expect(await check(slot({ quietMs: 75_000, partition: 1, next: 499n }), NOW)).toBe(false);
    expect(asked).toEqual(['in']);
  });
});
