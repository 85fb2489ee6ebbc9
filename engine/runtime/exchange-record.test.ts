import { describe, expect, it } from 'vitest';
import { keyGroupOf, keyGroupRange } from '../state/key-groups.js';
import { exchangeRecordsOf, exchangeSerde } from './exchange-record.js';

describe('exchange records', () => {
  it('send each keyed record to the partition whose task owns its key group, and round-trip through the serde', () => {
    const keys = Array.from({ length: 200 }, (_, i) => `k-${i}`);
    const records = keys.map((key, i) => ({ key, keyGroup: keyGroupOf(key, 128), timestamp: 1_000 + i, value: { n: i, tags: ['a'] } }));
    const { out, unencodable } = exchangeRecordsOf('by-k', records, { from: 'src:0', partitions: 6, maxParallelism: 128 });
    expect(unencodable).toEqual([]);
    out.forEach((o, i) => {
      // The partition's range of key groups (as a task of the next stage owns it) holds the record's.
      const range = keyGroupRange(o.partition!, 6, 128);
      expect(records[i]!.keyGroup).toBeGreaterThanOrEqual(range.start);
      expect(records[i]!.keyGroup).toBeLessThanOrEqual(range.end);
      expect(exchangeSerde.decode(Buffer.from(o.value as string))).toEqual({ ok: true, value: { type: 'record', k: keys[i], t: 1_000 + i, v: { n: i, tags: ['a'] } } });
    });
    expect(new Set(out.map((o) => o.partition)).size).toBe(6);
  });

  it('give back what JSON cannot carry, and send partial top-Ks to the one merge partition', () => {
    const origin = { offset: '7', timestamp: 1, key: null, raw: Buffer.from('x'), headers: {} };
    const partial = { windowStart: 0, windowEnd: 10, group: 'all', entries: [{ key: 'c', score: 2, value: 2 }], early: false };
    const { out, unencodable } = exchangeRecordsOf('top', [{ key: 'a', keyGroup: 1, timestamp: 5, value: { big: 1n }, origin }, { timestamp: 9, value: partial }], { from: 'w:3', partitions: 4, maxParallelism: 128 });
    expect(unencodable).toEqual([{ detail: expect.stringMatching(/cannot cross a repartition topic as JSON: .*BigInt/) as string, value: { big: 1n }, origin }]);
    expect(out).toEqual([{ key: 'w:3', value: JSON.stringify({ type: 'partial', topK: 'top', partial }), partition: 0 }]);
  });

  it('refuse records that are not exchange records, naming what is wrong', () => {
    expect(exchangeSerde.decode(Buffer.from('{"type":"record","k":"a","t":"soon","v":1}'))).toMatchObject({ ok: false, reason: 'schema' });
    expect(exchangeSerde.decode(Buffer.from('{"type":"watermark","from":"","watermark":null,"idle":false}'))).toMatchObject({ ok: false, reason: 'schema' });
    expect(exchangeSerde.decode(Buffer.from('{'))).toMatchObject({ ok: false, reason: 'decode' });
    expect(exchangeSerde.decode(null)).toMatchObject({ ok: false, reason: 'decode' });
  });
});
