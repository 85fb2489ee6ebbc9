import { describe, expect, it } from 'vitest';
import type { GraphNode, JobGraph } from '../graph/job-graph.js';
import { session, sliding, tumbling, type WindowSpec } from '../windows/window-spec.js';
import { FAR_FETCH_WAIT_MS, firingSchedule, inputFetchWaitMs } from './input-pacing.js';

const source: GraphNode = { id: 'in', kind: 'source', inputs: [], config: { topic: 't', outOfOrdernessMs: 0, idleTimeoutMs: 0, deadLetterTopic: 'd' } };
const sink: GraphNode = { id: 'out', kind: 'sink', inputs: [{ node: 'in', port: 'main' }], config: { topic: 'o' } };
const windowNode = (id: string, window: WindowSpec, allowedLatenessMs = 0, earlyFiringMs: number | null = null): GraphNode => ({
  id, kind: 'window', inputs: [{ node: 'in', port: 'main' }], config: { window, allowedLatenessMs, earlyFiringMs },
});
const graph = (...nodes: GraphNode[]): JobGraph => ({ job: 'j', maxParallelism: 128, nodes: [source, ...nodes, sink] });
const NEAR = 100;

describe('the input fetch wait', () => {
  it('is the near wait only within two seconds (event time) before a window closes', () => {
    // 10 min windows sliding by 1 min end at every whole minute; the one ending at 60,000 closes
    // when the watermark reaches 59,999.
    const s = firingSchedule(graph(windowNode('w', sliding(600_000, 60_000))));
    expect(inputFetchWaitMs(s, [30_000], NEAR)).toBe(FAR_FETCH_WAIT_MS);
    expect(inputFetchWaitMs(s, [57_998], NEAR)).toBe(FAR_FETCH_WAIT_MS);
    expect(inputFetchWaitMs(s, [57_999], NEAR)).toBe(NEAR);
    expect(inputFetchWaitMs(s, [59_998], NEAR)).toBe(NEAR);
    // At 59,999 that window has fired; the next closes at 119,999.
    expect(inputFetchWaitMs(s, [59_999], NEAR)).toBe(FAR_FETCH_WAIT_MS);
    expect(inputFetchWaitMs(s, [60_500], NEAR)).toBe(FAR_FETCH_WAIT_MS);
  });

  it('is near when any source task is near a close, or has no watermark yet', () => {
    const s = firingSchedule(graph(windowNode('w', tumbling(10_000))));
    expect(inputFetchWaitMs(s, [2_000, 5_000], NEAR)).toBe(FAR_FETCH_WAIT_MS);
    expect(inputFetchWaitMs(s, [2_000, 8_500], NEAR)).toBe(NEAR);
    expect(inputFetchWaitMs(s, [2_000, -Infinity], NEAR)).toBe(NEAR);
    expect(inputFetchWaitMs(s, [], NEAR)).toBe(FAR_FETCH_WAIT_MS);
  });

  it('counts allowed lateness: a window closes that much later', () => {
    // The window ending at 60,000 with 5 s of lateness closes at watermark 64,999.
    const s = firingSchedule(graph(windowNode('w', tumbling(60_000), 5_000)));
    expect(inputFetchWaitMs(s, [59_000], NEAR)).toBe(FAR_FETCH_WAIT_MS);
    expect(inputFetchWaitMs(s, [62_000], NEAR)).toBe(FAR_FETCH_WAIT_MS);
    expect(inputFetchWaitMs(s, [63_500], NEAR)).toBe(NEAR);
  });

  it('takes the nearest close over every window node, early firings included', () => {
    const s = firingSchedule(graph(windowNode('hour', tumbling(3_600_000)), windowNode('minute', sliding(60_000, 10_000))));
    expect(inputFetchWaitMs(s, [5_000], NEAR)).toBe(FAR_FETCH_WAIT_MS);
    expect(inputFetchWaitMs(s, [8_500], NEAR)).toBe(NEAR);
    // Early results every 30 s of event time from a window that closes once an hour.
    const early = firingSchedule(graph(windowNode('w', tumbling(3_600_000), 0, 30_000)));
    expect(inputFetchWaitMs(early, [20_000], NEAR)).toBe(FAR_FETCH_WAIT_MS);
    expect(inputFetchWaitMs(early, [29_000], NEAR)).toBe(NEAR);
  });

  it('is always near when something can fire at any event time', () => {
    const sessions = firingSchedule(graph(windowNode('s', session(30_000))));
    const process: GraphNode = { id: 'p', kind: 'process', inputs: [{ node: 'in', port: 'main' }], config: { states: [] } };
    for (const s of [sessions, firingSchedule(graph(windowNode('w', tumbling(60_000)), process))]) {
      expect(s.kind).toBe('any');
      expect(inputFetchWaitMs(s, [30_000], NEAR)).toBe(NEAR);
    }
  });

  it('is always far when nothing fires on the watermark (output waits for the checkpoint)', () => {
    const s = firingSchedule(graph());
    expect(s.kind).toBe('never');
    expect(inputFetchWaitMs(s, [-Infinity, 59_000], NEAR)).toBe(FAR_FETCH_WAIT_MS);
  });

  it('never shortens a configured wait longer than the far one', () => {
    const s = firingSchedule(graph(windowNode('w', tumbling(60_000))));
    expect(inputFetchWaitMs(s, [30_000], 1_000)).toBe(1_000);
    expect(inputFetchWaitMs(s, [59_000], 1_000)).toBe(1_000);
  });
});
