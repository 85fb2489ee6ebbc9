import { describe, expect, it } from 'vitest';
import { INITIAL_PROGRESS, encodeWatermark, mergeWatermark, observe, partitionWatermark, type WatermarkMarker } from './commit-protocol.js';

const m = (partition: number, watermark: number | null | 'end', idle = false): [number, WatermarkMarker] => [partition, { type: 'watermark', partition, watermark, idle }];

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
    expect(mergeWatermark(new Map([m(0, 100)]), 2)).toBe(-Infinity);
    expect(mergeWatermark(new Map([m(0, 100), m(1, 50)]), 2)).toBe(50);
    expect(mergeWatermark(new Map([m(0, 100), m(1, 50, true)]), 2)).toBe(100);
    expect(mergeWatermark(new Map([m(0, 100), m(1, 'end')]), 2)).toBe(100);
    expect(mergeWatermark(new Map([m(0, 'end'), m(1, 'end')]), 2)).toBe(Infinity);
    expect(mergeWatermark(new Map([m(0, null), m(1, 10)]), 2)).toBe(-Infinity);
    expect(mergeWatermark(new Map([m(0, 5, true), m(1, 10, true)]), 2)).toBe(-Infinity);
  });

  it('encodes watermarks for JSON', () => {
    expect([encodeWatermark(-Infinity), encodeWatermark(5), encodeWatermark(Infinity)]).toEqual([null, 5, 'end']);
  });
});
