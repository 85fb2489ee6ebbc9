import { describe, expect, it } from 'vitest';
import { BuiltFromSchema, checkStateIdentity, parseStored, resumePoint, type BuiltFrom, type LocalStore, type TaskNow } from './state-identity.js';

const FIRST = '0b5e8f8e-3a43-4a43-9f0c-6f1c2a1e0001';
const SECOND = '0b5e8f8e-3a43-4a43-9f0c-6f1c2a1e0002';
const built: BuiltFrom = { incarnation: FIRST, markerOffset: '0', group: 'cp', fingerprint: 'f1' };
const store = (o: Partial<LocalStore> = {}): LocalStore => ({ empty: false, builtFrom: built, changelogPosition: 120n, ...o });
const now = (o: Partial<TaskNow> = {}): TaskNow => ({ group: 'cp', fingerprint: 'f1', changelogEnd: 120n, markerThere: FIRST, savepoint: undefined, ...o });

/** The reason, or 'keep'. */
const decide = (l: LocalStore, n: TaskNow): string => {
  const d = checkStateIdentity(l, n);
  return d.keep ? 'keep' : d.why;
};

describe('whether a task keeps its local state', () => {
  it('keeps a store built from this changelog, group and job graph, at or behind the changelog end', () => {
    expect(decide(store(), now())).toBe('keep');
    expect(decide(store({ changelogPosition: 40n }), now())).toBe('keep'); // a crash between commit and apply
    expect(decide(store({ changelogPosition: undefined }), now())).toBe('keep');
  });

  it('wipes a store whose changelog was recreated: no marker where it was, or another one', () => {
    // `eddy kafka start --fresh`: the new changelog is empty, or already marked by another start.
    expect(decide(store(), now({ markerThere: undefined, changelogEnd: 0n }))).toMatch(/^the changelog is not the one local state was built from \(a new broker or a recreated topic\): it has no incarnation marker at offset 0$/);
    expect(decide(store(), now({ markerThere: SECOND }))).toMatch(new RegExp(`its marker at offset 0 is ${SECOND}, not ${FIRST}$`));
  });

  it('wipes a store ahead of the changelog', () => {
    expect(decide(store({ changelogPosition: 121n }), now())).toBe('local state is ahead of the changelog (applied up to offset 121, the changelog ends at 120)');
  });

  it('wipes a store of another group or job graph, and one that does not say what it was built from', () => {
    expect(decide(store(), now({ group: 'cp-2' }))).toBe('local state belongs to group cp, not cp-2');
    expect(decide(store(), now({ fingerprint: 'f2' }))).toMatch(/^local state was built by another job graph/);
    expect(decide(store({ builtFrom: undefined }), now())).toMatch(/^local state does not say what it was built from/);
  });

  it('wipes any store before a savepoint is restored into it', () => {
    expect(decide(store(), now({ savepoint: '/sp/1' }))).toBe('restoring savepoint /sp/1 into an empty store');
  });

  it('has nothing to wipe in an empty store (a new folder, the memory backend), whatever else differs', () => {
    expect(decide(store({ empty: true, builtFrom: undefined, changelogPosition: undefined }), now({ markerThere: undefined, savepoint: '/sp/1', group: 'x' }))).toBe('keep');
  });

  it('reads what a store was built from only when it is well formed', () => {
    expect(parseStored(BuiltFromSchema, Buffer.from(JSON.stringify(built)))).toEqual(built);
    expect(parseStored(BuiltFromSchema, undefined)).toBeUndefined();
    expect(parseStored(BuiltFromSchema, Buffer.from('{"incarnation":"x"}'))).toBeUndefined();
    expect(parseStored(BuiltFromSchema, Buffer.from('not json'))).toBeUndefined();
  });
});

describe('where the input resumes', () => {
  const at = (committed: bigint | undefined, recorded: bigint | undefined, inputEnd = 9_000n) => resumePoint({ committed, recorded, inputEnd, input: 'in partition 3' });

  it("resumes at the group's offset when the state agrees, or says nothing (an older Eddy, no state yet)", () => {
    expect(at(5_000n, 5_000n)).toEqual({ offset: 5_000n });
    expect(at(5_000n, undefined)).toEqual({ offset: 5_000n });
    expect(at(undefined, undefined)).toEqual({ offset: undefined });
  });

  it("resumes where the state was committed when the group's offsets are gone or were moved", () => {
    expect(at(undefined, 5_000n)).toEqual({ offset: 5_000n, why: 'the group has no committed offset (expired or deleted): resuming at offset 5000, where the state in the changelog was committed' });
    expect(at(1_000n, 5_000n)).toMatchObject({ offset: 5_000n, why: expect.stringMatching(/committed offset 1000 is not the 5000/) });
    expect(at(7_000n, 5_000n)).toMatchObject({ offset: 5_000n });
  });

  it('refuses state committed past the end of the input (a recreated input topic)', () => {
    expect(at(undefined, 5_000n, 4_999n)).toEqual({ error: expect.stringMatching(/^its state was committed at offset 5000 of in partition 3, which ends at 4999: the input was recreated/) });
    expect(at(undefined, 5_000n, 5_000n)).toEqual({ offset: 5_000n, why: expect.any(String) });
  });
});
