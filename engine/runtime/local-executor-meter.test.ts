/** What the executor reports to its meter besides record counts: counters to register, windows closed. */
import { describe, expect, it } from 'vitest';
import { buildJob } from '../api/job-definition.js';
import contentPopularity from '../../jobs/content-popularity/job.js';
import type { OperatorMeter } from '../metrics/member-metrics.js';
import { MemoryStateBackend } from '../state/memory-backend.js';
import { LocalExecutor } from './local-executor.js';

function recorder(): OperatorMeter & { registered: string[]; closed: string[] } {
  const registered: string[] = [];
  const closed: string[] = [];
  return {
    registered,
    closed,
    records: () => undefined,
    groupsDropped: () => undefined,
    operator: (operator, kinds) => registered.push(`${operator}: ${kinds.join(' ')}`),
    windowsClosed: (operator, n) => closed.push(`${operator} ${n}`),
  };
}

const event = (id: string, contentId: string, eventTime: number) => ({ eventId: id, contentId, category: 'movies', userId: 'u-1', region: 'IN-MH', device: 'tv', watchSeconds: 30, eventTime });

describe('the executor\'s meter', () => {
  it('registers every operator\'s in and out counters, and late ones for window operators, before any record', () => {
    const meter = recorder();
    new LocalExecutor(buildJob(contentPopularity, {}), { parallelism: 2, backends: [new MemoryStateBackend(), new MemoryStateBackend()], meter });
    expect(meter.registered).toContain('views-per-window: in out late');
    expect(meter.registered).toContain('top-k: in out');
    expect(meter.registered.filter((r) => r.endsWith('late'))).toEqual(['views-per-window: in out late']);
  });

  it('reports each window end an operator closes once, whatever the keys and lanes, and nothing while windows stay open', async () => {
    const meter = recorder();
    const x = new LocalExecutor(buildJob(contentPopularity, { window: '1m', slide: '30s' }), { parallelism: 2, backends: [new MemoryStateBackend(), new MemoryStateBackend()], meter });
    const t0 = 1_763_800_020_000; // a multiple of 30 s and of 1 min
    await x.pushSource('watch-events', [event('e-1', 'c-1', t0 + 1_000), event('e-2', 'c-2', t0 + 2_000), event('e-3', 'c-3', t0 + 40_000)]);
    await x.advanceWatermark(t0 + 20_000);
    expect(meter.closed).toEqual([]);
    // Passes the ends t0+30s and t0+60s: windows [t0-30s, t0+30s) and [t0, t0+60s), several keys each.
    await x.advanceWatermark(t0 + 60_000);
    expect(meter.closed).toEqual(['views-per-window 2', 'top-k 2']);
  });
});
