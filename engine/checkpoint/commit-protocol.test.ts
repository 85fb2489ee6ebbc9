import { describe, expect, it } from 'vitest';
import { INITIAL_PROGRESS, encodeWatermark, exchangeWatermark, allIdle, observe, partitionWatermark, type WatermarkMarker } from './commit-protocol.js';

const m = (partition: number, watermark: number | null | 'end', idle = false): [string, WatermarkMarker] => [`s:${partition}`, { type: 'watermark', from: `s:${partition}`, watermark, idle }];
const two = ['s:0', 's:1'];

describe('commit protocol decisions', () => {
  it('derives a partition watermark from the newest event time', () => {
    expect(partitionWatermark(INITIAL_PROGRESS, 100)).toBe(-Infinity);
    const p = observe(INITIAL_PROGRESS, [500, 900, 700]);
    expect(p.maxTimestamp).toBe(900);
    expect(partitionWatermark(p, 100)).toBe(799);
    expect(partitionWatermark({ ...p, watermark: 'end' }, 100)).toBe(Infinity);
    // A restored watermark never goes back.
    expect(partitionWatermark({ watermark: 850, maxTimestamp: 900 }, 100)).toBe(850);
  });

  it('merges partition watermarks: waits for every partition, skips idle and ended ones', () => {
    expect(exchangeWatermark(new Map([m(0, 100)]), two)).toBe(-Infinity);
    expect(exchangeWatermark(new Map([m(0, 100), m(1, 50)]), two)).toBe(50);
    expect(exchangeWatermark(new Map([m(0, 100), m(1, 50, true)]), two)).toBe(100);
    expect(exchangeWatermark(new Map([m(0, 100), m(1, 'end')]), two)).toBe(100);
    expect(exchangeWatermark(new Map([m(0, 'end'), m(1, 'end')]), two)).toBe(Infinity);
    expect(exchangeWatermark(new Map([m(0, null), m(1, 10)]), two)).toBe(-Infinity);
    expect(exchangeWatermark(new Map([m(0, 5, true), m(1, 10, true)]), two)).toBe(-Infinity);
    // A marker of a task that is not a producer (another stage's) changes nothing.
    expect(exchangeWatermark(new Map([m(0, 100), m(1, 50), m(7, 1)]), two)).toBe(50);
  });

  it('calls a task idle when every producer is', () => {
    expect(allIdle(new Map([m(0, 5, true), m(1, 10, true)]), two)).toBe(true);
    expect(allIdle(new Map([m(0, 5, true), m(1, 10)]), two)).toBe(false);
    expect(allIdle(new Map([m(0, 5, true)]), two)).toBe(false);
    expect(allIdle(new Map(), [])).toBe(false);
  });

  it('encodes watermarks for JSON', () => {
    expect([encodeWatermark(-Infinity), encodeWatermark(5), encodeWatermark(Infinity)]).toEqual([null, 5, 'end']);
  });
});
