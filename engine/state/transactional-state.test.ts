import { describe, expect, it } from 'vitest';
import { MemoryStateBackend } from './memory-backend.js';
import { TransactionalState } from './transactional-state.js';

const b = (s: string): Buffer => Buffer.from(s);
async function all(s: { scan: MemoryStateBackend['scan'] }, lo = '', hi = '~'): Promise<string[]> {
  const out: string[] = [];
  for await (const [k, v] of s.scan({ gte: b(lo), lt: b(hi) })) out.push(`${k.toString()}=${v.toString()}`);
  return out;
}

describe('TransactionalState', () => {
  it('shows pending writes to reads, and leaves the base untouched until apply', async () => {
    const base = new MemoryStateBackend();
    await base.write({ puts: [[b('a'), b('1')], [b('c'), b('3')], [b('e'), b('5')]], deletes: [] });
    const t = new TransactionalState(base);
    await t.write({ puts: [[b('b'), b('2')], [b('c'), b('33')]], deletes: [b('e')] });
    expect((await t.getMany([b('a'), b('b'), b('c'), b('e')])).map((v) => v?.toString())).toEqual(['1', '2', '33', undefined]);
    expect(await all(t)).toEqual(['a=1', 'b=2', 'c=33']);
    expect(await all(base)).toEqual(['a=1', 'c=3', 'e=5']);
    expect(t.pending().map((c) => `${c.key.toString()}=${c.value?.toString() ?? 'null'}`)).toEqual(['b=2', 'c=33', 'e=null']);

    await t.apply({ offset: '42' });
    expect(await all(base)).toEqual(['a=1', 'b=2', 'c=33']);
    expect(await t.meta('offset')).toBe('42');
    expect(t.pending()).toEqual([]);
  });

  it('turns a range delete into tombstones for the changelog', async () => {
    const base = new MemoryStateBackend();
    await base.write({ puts: [[b('k1'), b('x')], [b('k2'), b('y')], [b('z'), b('z')]], deletes: [] });
    const t = new TransactionalState(base);
    await t.write({ puts: [[b('k3'), b('new')]], deletes: [] });
    await t.deleteRange({ gte: b('k'), lt: b('l') });
    expect(await all(t)).toEqual(['z=z']);
    expect(t.pending().map((c) => `${c.key.toString()}=${c.value?.toString() ?? 'null'}`)).toEqual(['k1=null', 'k2=null', 'k3=null']);
  });

  it('discards pending writes when the transaction aborts', async () => {
    const base = new MemoryStateBackend();
    const t = new TransactionalState(base);
    await t.write({ puts: [[b('a'), b('1')]], deletes: [] });
    t.discard();
    expect(await all(t)).toEqual([]);
    await t.apply();
    expect(await all(base)).toEqual([]);
  });

  it('keeps metadata out of key-group scans', async () => {
    const base = new MemoryStateBackend();
    const t = new TransactionalState(base);
    await t.apply({ offset: '7' });
    expect(await all(t, '\u0000', '\u7fff')).toEqual([]);
  });
});
