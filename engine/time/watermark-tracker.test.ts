import { describe, expect, it } from 'vitest';
import { END_OF_TIME, NO_WATERMARK, WatermarkTracker } from './watermark-tracker.js';

describe('WatermarkTracker', () => {
  it('is the newest timestamp minus the out-of-orderness minus 1', () => {
    const wm = new WatermarkTracker({ outOfOrdernessMs: 100, idleTimeoutMs: 0 });
    expect(wm.current(0)).toBe(NO_WATERMARK);
    wm.observe(0, 1_000, 0);
    wm.observe(0, 900, 0); // out of order: does not move it back
    expect(wm.current(0)).toBe(899);
  });

  it('takes the minimum over partitions, and waits for partitions without records', () => {
    const wm = new WatermarkTracker({ outOfOrdernessMs: 0, idleTimeoutMs: 0 });
    wm.add(0, 0);
    wm.add(1, 0);
    wm.observe(0, 500, 0);
    expect(wm.current(0)).toBe(NO_WATERMARK);
    wm.observe(1, 300, 0);
    expect(wm.current(0)).toBe(299);
    wm.observe(1, 800, 0);
    expect(wm.current(0)).toBe(499);
  });

  it('lets an idle partition stop holding the watermark back, without going backwards when it wakes', () => {
    const wm = new WatermarkTracker({ outOfOrdernessMs: 0, idleTimeoutMs: 1_000 });
    wm.observe(0, 100, 0);
    wm.observe(1, 5_000, 0);
    expect(wm.current(500)).toBe(99);
    wm.observe(1, 6_000, 1_500); // partition 0 silent since t=0
    expect(wm.current(1_500)).toBe(5_999);
    wm.observe(0, 200, 1_600); // wakes up far behind
    expect(wm.current(1_600)).toBe(5_999);
  });

  it('holds when every partition is idle', () => {
    const wm = new WatermarkTracker({ outOfOrdernessMs: 0, idleTimeoutMs: 10 });
    wm.observe(0, 100, 0);
    expect(wm.current(5)).toBe(99);
    expect(wm.current(1_000)).toBe(99);
  });

  it('goes to the end of time when every partition has ended (bounded mode)', () => {
    const wm = new WatermarkTracker({ outOfOrdernessMs: 0, idleTimeoutMs: 0 });
    wm.observe(0, 100, 0);
    wm.observe(1, 50, 0);
    wm.end(1);
    expect(wm.current(0)).toBe(99);
    wm.end(0);
    expect(wm.current(0)).toBe(END_OF_TIME);
  });
});
