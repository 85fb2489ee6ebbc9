/** What the executor reports to its meter besides record counts: counters to register, windows closed. */
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { count } from '../aggregate/aggregate-function.js';
import { JobBuilder } from '../api/job-builder.js';
import { buildJob } from '../api/job-definition.js';
import { jsonSerde } from '../api/serde.js';
import contentPopularity from '../../jobs/content-popularity/job.js';
import { MemberMetrics, type OperatorMeter } from '../metrics/member-metrics.js';
import { MemoryStateBackend } from '../state/memory-backend.js';
import { tumbling } from '../windows/window-spec.js';
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

  it('times windows the watermark closes only: an early firing is not observed in the latency histogram, the closing one is', async () => {
    const b = new JobBuilder('early');
    b.source<{ k: string; t: number }>('in', { topic: 'in', serde: jsonSerde(z.object({ k: z.string(), t: z.number() })), timestamp: (v) => v.t })
      .keyBy('by-k', (v) => v.k, { partitioning: 'input' })
      .window(tumbling(60_000), { earlyFiringMs: 10_000 })
      .aggregate('n', count())
      .sink('out', { topic: 'out', encode: (r) => ({ key: r.key, value: JSON.stringify(r) }) });
    const metrics = new MemberMetrics('early');
    const x = new LocalExecutor(b.build(), { parallelism: 1, backends: [new MemoryStateBackend()], meter: metrics.forTask('in:0') });
    const observed = async (): Promise<number> => {
      const histogram = (await metrics.collect()).find((m) => m.name === 'eddy_window_output_latency_seconds')!;
      return histogram.values.filter((v) => 'metricName' in v && v.metricName === 'eddy_window_output_latency_seconds_count').reduce((a, v) => a + v.value, 0);
    };
    const t0 = 1_763_800_020_000 - (1_763_800_020_000 % 60_000);
    await x.pushSource('in', [{ k: 'a', t: t0 + 1_000 }, { k: 'b', t: t0 + 2_000 }]);
    // Crosses t0+10s and t0+20s: the open window [t0, t0+60s) fires early, for both keys.
    await x.advanceWatermark(t0 + 20_000);
    const isEarly = (r: { value: unknown }): boolean => (r.value as { early: boolean }).early;
    expect(x.sinkOutput('out').length).toBeGreaterThan(0);
    expect(x.sinkOutput('out').every(isEarly)).toBe(true);
    metrics.checkpoint('in:0', 'completed', 5, 100);
    expect(await observed()).toBe(0);
    // Passes its end: the window closes, one window end observed at the next commit.
    await x.advanceWatermark(t0 + 60_000);
    expect(x.sinkOutput('out').some((r) => !isEarly(r))).toBe(true);
    metrics.checkpoint('in:0', 'completed', 5, 100);
    expect(await observed()).toBe(1);
  });
});
