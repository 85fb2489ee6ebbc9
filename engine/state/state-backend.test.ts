/** One behaviour suite, run against every state backend. */
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryStateBackend } from './memory-backend.js';
import { RocksDbStateBackend } from './rocksdb-backend.js';
import type { StateBackend } from './state-backend.js';

const b = (s: string | number[]): Buffer => (typeof s === 'string' ? Buffer.from(s) : Buffer.from(s));
const dirs: string[] = [];
const open: StateBackend[] = [];
afterEach(async () => {
  for (const s of open.splice(0)) await s.close().catch(() => undefined);
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const factories = [
  { name: 'memory', open: async (): Promise<StateBackend> => new MemoryStateBackend() },
  {
    name: 'rocksdb',
    open: async (): Promise<StateBackend> => {
      const dir = mkdtempSync(join(tmpdir(), 'eddy-rocks-'));
      dirs.push(dir);
      return RocksDbStateBackend.open(dir);
    },
  },
];

async function collect(s: StateBackend, gte: Buffer, lt: Buffer): Promise<[string, string][]> {
  const out: [string, string][] = [];
  for await (const [k, v] of s.scan({ gte, lt })) out.push([k.toString('hex'), v.toString()]);
  return out;
}

describe.each(factories)('$name state backend', (f) => {
  const fresh = async (): Promise<StateBackend> => {
    const s = await f.open();
    open.push(s);
    return s;
  };

  it('reads present, absent and repeated keys in one getMany', async () => {
    const s = await fresh();
    await s.write({ puts: [[b('a'), b('1')], [b('b'), b('2')]], deletes: [] });
    const got = await s.getMany([b('b'), b('zz'), b('a'), b('b')]);
    expect(got.map((v) => v?.toString())).toEqual(['2', undefined, '1', '2']);
    expect(await s.getMany([])).toEqual([]);
  });

  it('applies puts and deletes in one batch, deletes winning', async () => {
    const s = await fresh();
    await s.write({ puts: [[b('a'), b('1')], [b('b'), b('2')]], deletes: [] });
    await s.write({ puts: [[b('c'), b('3')], [b('a'), b('9')]], deletes: [b('b'), b('c')] });
    expect((await s.getMany([b('a'), b('b'), b('c')])).map((v) => v?.toString())).toEqual(['9', undefined, undefined]);
  });

  it('scans [gte, lt) in bytewise order, binary keys included', async () => {
    const s = await fresh();
    const keys = [[0x00], [0x00, 0x00], [0x00, 0xff], [0x01], [0x7f, 0xff], [0xff], [0xff, 0x00]];
    await s.write({ puts: [...keys].reverse().map((k, i) => [b(k), b(String(i))] as const), deletes: [] });
    const all = await collect(s, b([]), b([0xff, 0xff]));
    expect(all.map(([k]) => k)).toEqual(['00', '0000', '00ff', '01', '7fff', 'ff', 'ff00']);
    expect((await collect(s, b([0x00, 0x00]), b([0x01]))).map(([k]) => k)).toEqual(['0000', '00ff']);
    expect(await collect(s, b([0x02]), b([0x03]))).toEqual([]);
  });

  it('stays usable after a scan is abandoned half way', async () => {
    const s = await fresh();
    await s.write({ puts: Array.from({ length: 100 }, (_, i) => [b(`k${String(i).padStart(3, '0')}`), b('v')] as const), deletes: [] });
    let n = 0;
    for await (const _ of s.scan({ gte: b('k'), lt: b('l') })) if (++n === 5) break;
    expect(n).toBe(5);
    await s.write({ puts: [[b('k999'), b('x')]], deletes: [] });
    expect((await collect(s, b('k'), b('l'))).length).toBe(101);
  });

  it('deletes a range', async () => {
    const s = await fresh();
    await s.write({ puts: ['a1', 'a2', 'b1', 'b2', 'c1'].map((k) => [b(k), b(k)] as const), deletes: [] });
    await s.deleteRange({ gte: b('b'), lt: b('c') });
    expect((await collect(s, b(''), b('z'))).map(([, v]) => v)).toEqual(['a1', 'a2', 'c1']);
  });

  it('holds large values', async () => {
    const s = await fresh();
    const big = Buffer.alloc(1 << 20, 7);
    await s.write({ puts: [[b('big'), big]], deletes: [] });
    expect((await s.getMany([b('big')]))[0]!.equals(big)).toBe(true);
  });

  it('reports usage that grows with what is stored', async () => {
    const s = await fresh();
    const before = await s.usage();
    await s.write({ puts: Array.from({ length: 2_000 }, (_, i) => [b(`key-${i}`), Buffer.alloc(100, i)] as const), deletes: [] });
    const after = await s.usage();
    expect(before.storedBytes).toBeGreaterThanOrEqual(0);
    expect(after.storedBytes).toBeGreaterThan(before.storedBytes);
    expect(after.memoryBudgetBytes).toBeGreaterThan(0);
  });

  it('behaves like a sorted map under random operations', async () => {
    const seed = 4242;
    let x = seed;
    const rnd = (n: number): number => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0) >>> 8) % n;
    const key = (): Buffer => b([rnd(4), rnd(256), rnd(3)]);
    const s = await fresh();
    const model = new Map<string, string>();
    const hex = (k: Buffer): string => k.toString('hex');
    for (let op = 0; op < 3_000; op += 1) {
      const kind = rnd(10);
      if (kind < 5) {
        const puts = Array.from({ length: 1 + rnd(5) }, () => [key(), b(String(op))] as const);
        const deletes = Array.from({ length: rnd(3) }, key);
        await s.write({ puts, deletes });
        for (const [k, v] of puts) model.set(hex(k), v.toString());
        for (const k of deletes) model.delete(hex(k));
      } else if (kind < 7) {
        const ks = Array.from({ length: 1 + rnd(6) }, key);
        expect((await s.getMany(ks)).map((v) => v?.toString()), `seed ${seed} op ${op}`).toEqual(ks.map((k) => model.get(hex(k))));
      } else if (kind < 9) {
        const [lo, hi] = [key(), key()].sort(Buffer.compare) as [Buffer, Buffer];
        const expected = [...model].filter(([k]) => k >= hex(lo) && k < hex(hi)).sort(([p], [q]) => (p < q ? -1 : 1));
        expect(await collect(s, lo, hi), `seed ${seed} op ${op}`).toEqual(expected);
      } else {
        const [lo, hi] = [key(), key()].sort(Buffer.compare) as [Buffer, Buffer];
        await s.deleteRange({ gte: lo, lt: hi });
        for (const k of [...model.keys()]) if (k >= hex(lo) && k < hex(hi)) model.delete(k);
      }
    }
  });
});

describe('rocksdb state backend persistence', () => {
  it('keeps data across close and reopen', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'eddy-rocks-'));
    dirs.push(dir);
    const s = await RocksDbStateBackend.open(dir);
    await s.write({ puts: [[b('durable'), b('yes')]], deletes: [] });
    await s.close();
    const again = await RocksDbStateBackend.open(dir);
    open.push(again);
    expect((await again.getMany([b('durable')]))[0]?.toString()).toBe('yes');
  });

  it('keeps its write-ahead log small as state grows, so that a restart after kill -9 has little to replay', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'eddy-rocks-'));
    dirs.push(dir);
    const s = await RocksDbStateBackend.open(dir);
    open.push(s);
    // 24 MB of distinct keys, as a 1M-key window state holds per task.
    const value = Buffer.alloc(200, 7);
    for (let batch = 0; batch < 120; batch += 1) {
      await s.write({ puts: Array.from({ length: 1_000 }, (_, i): [Buffer, Buffer] => [b(`key-${batch}-${i}`), value]), deletes: [] });
    }
    // What a reopen would replay: the .log files (flushed ones are deleted in the background).
    const walBytes = (): number => readdirSync(dir).filter((f) => f.endsWith('.log')).reduce((n, f) => n + statSync(join(dir, f)).size, 0);
    const deadline = Date.now() + 10_000;
    while (walBytes() > 10 * 1024 * 1024 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(walBytes()).toBeLessThanOrEqual(10 * 1024 * 1024);
  });
});
