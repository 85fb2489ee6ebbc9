import { describe, expect, it } from 'vitest';
import { fellBehind, measuringStarts, quantile } from './latency-run.js';

const close = (i: number, delay?: number) => ({ end: i * 1_000, closedAt: 10_000 + i * 1_000, ...(delay === undefined ? {} : { visibleAt: 10_000 + i * 1_000 + delay }) });

describe('latency run', () => {
  it('takes the p99 of 100 delays as the 99th smallest', () => {
    const xs = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(quantile(xs, 0.99)).toBe(99);
    expect(quantile(xs, 0.5)).toBe(50);
  });

  it('keeps up when every window became visible with steady delays', () => {
    const closes = Array.from({ length: 40 }, (_, i) => close(i, 200 + (i % 3) * 50));
    expect(fellBehind(closes, 60_000, 15_000)).toBeUndefined();
  });

  it('has fallen behind when a window closed well before the end never became visible', () => {
    const closes = [...Array.from({ length: 30 }, (_, i) => close(i, 200)), close(30)];
    // Window 30 closed at 40 s, 20 s before the end at 60 s: past the 15 s grace.
    expect(fellBehind(closes, 60_000, 15_000)).toMatch(/^1 of 31 windows/);
    // Closed 10 s before the end: it may still be on its way.
    expect(fellBehind(closes, 50_000, 15_000)).toBeUndefined();
  });

  it('starts measuring after the minimum warm-up and the settle time after the first ranking', () => {
    const w = { warmupMs: 30_000, settleMs: 20_000, maxStartupMs: 120_000 };
    // A quick engine (first ranking at 5 s): the minimum warm-up decides.
    expect(measuringStarts(0, 29_999, 5_000, w)).toBe(false);
    expect(measuringStarts(0, 30_000, 5_000, w)).toBe(true);
    // A slow one (first ranking at 36 s): 20 s after it.
    expect(measuringStarts(0, 55_999, 36_000, w)).toBe(false);
    expect(measuringStarts(0, 56_000, 36_000, w)).toBe(true);
    // None at all: measured anyway 120 s after the minimum warm-up.
    expect(measuringStarts(0, 149_999, undefined, w)).toBe(false);
    expect(measuringStarts(0, 150_000, undefined, w)).toBe(true);
  });

  it('has fallen behind when the delays keep growing', () => {
    const closes = Array.from({ length: 40 }, (_, i) => close(i, 200 + i * 250));
    expect(fellBehind(closes, 60_000, 15_000)).toMatch(/^delays grew from a median of \d+ ms to \d+ ms$/);
  });
});
