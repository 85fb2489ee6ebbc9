import { describe, expect, it } from 'vitest';
import { JoinBarrier } from './join-barrier.js';

/** A barrier over members 0..n-1, all started, and the releases it made, as `member:group:ids`. */
function barrier(n: number): { b: JoinBarrier; released: string[] } {
  const released: string[] = [];
  const b = new JoinBarrier((member, group, ids) => released.push(`${member}:${group}:${[...ids].sort().join('+')}`));
  for (let m = 0; m < n; m += 1) b.started(m);
  return { b, released };
}

describe('JoinBarrier', () => {
  it('holds a group until every running member waits at it, then releases them all, each told who joins with it', () => {
    const { b, released } = barrier(3);
    b.arrived(2, 'g', 'c');
    b.arrived(0, 'g', 'a');
    expect(released).toEqual([]);
    b.arrived(1, 'g', 'b');
    expect(released.sort()).toEqual(['0:g:a+b+c', '1:g:a+b+c', '2:g:a+b+c']);
  });

  it('keeps groups apart: members waiting at one do not open another', () => {
    const { b, released } = barrier(2);
    b.arrived(0, 'source', 'a');
    b.arrived(1, 'exchange', 'y');
    expect(released).toEqual([]);
    b.arrived(1, 'source', 'b');
    expect(released.sort()).toEqual(['0:source:a+b', '1:source:a+b']);
    b.arrived(0, 'exchange', 'x');
    expect(released.slice(2).sort()).toEqual(['0:exchange:x+y', '1:exchange:x+y']);
  });

  it('once open, lets a member join at once and alone (a restarted member, a member the broker forgot)', () => {
    const { b, released } = barrier(2);
    b.arrived(0, 'g', 'a');
    b.arrived(1, 'g', 'b');
    b.ended(1);
    b.started(1);
    b.arrived(1, 'g', 'b2');
    expect(released).toEqual(['0:g:a+b', '1:g:a+b', '1:g:b2']);
  });

  it('no longer holds the others for a member whose run ended before it arrived', () => {
    const { b, released } = barrier(3);
    b.arrived(0, 'g', 'a');
    b.arrived(1, 'g', 'b');
    b.ended(2);
    expect(released.sort()).toEqual(['0:g:a+b', '1:g:a+b']);
  });

  it('forgets a member that ended while it waited: the ones left are let in without it', () => {
    const { b, released } = barrier(3);
    b.arrived(0, 'g', 'a');
    b.ended(0);
    b.arrived(1, 'g', 'b');
    expect(released).toEqual([]);
    b.arrived(2, 'g', 'c');
    expect(released.sort()).toEqual(['1:g:b+c', '2:g:b+c']);
  });

  it('counts a member that starts later: the others wait for it too', () => {
    const released: string[] = [];
    const b = new JoinBarrier((member, group) => released.push(`${member}:${group}`));
    b.started(0);
    b.started(1);
    b.arrived(0, 'g', 'a');
    b.started(2);
    b.arrived(1, 'g', 'b');
    expect(released).toEqual([]);
    b.arrived(2, 'g', 'c');
    expect(released.sort()).toEqual(['0:g', '1:g', '2:g']);
  });
});
