import { describe, expect, it } from 'vitest';
import { OrderedMap } from './ordered-map.js';

describe('OrderedMap', () => {
  it('matches a naive sorted model under random inserts, deletes and range scans', () => {
    let x = 99;
    const rnd = (n: number): number => ((x = (Math.imul(x, 1664525) + 1013904223) >>> 0) >>> 8) % n;
    const m = new OrderedMap<number>();
    const model = new Map<string, number>();
    const key = (): Buffer => Buffer.from([rnd(40), rnd(40)]);
    for (let op = 0; op < 20_000; op += 1) {
      const k = key();
      const hex = k.toString('hex');
      if (rnd(3) > 0) {
        m.set(k, op);
        model.set(hex, op);
      } else expect(m.delete(k)).toBe(model.delete(hex));
      if (op % 500 === 0) {
        const [lo, hi] = [key(), key()].sort(Buffer.compare) as [Buffer, Buffer];
        const got = [...m.range(lo, hi)].map(([kk, v]) => [kk.toString('hex'), v]);
        const want = [...model].filter(([kk]) => kk >= lo.toString('hex') && kk < hi.toString('hex')).sort(([p], [q]) => (p < q ? -1 : 1));
        expect(got).toEqual(want);
        expect(m.size).toBe(model.size);
      }
      expect(m.get(k)).toBe(model.get(hex));
    }
  });
});
