import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { evictPreviousMembers, recordGroupMember } from './group-members.js';

const children: { kill(): boolean }[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill();
});

function folder(): string {
  return mkdtempSync(join(tmpdir(), 'eddy-group-members-'));
}

/** A remover that records what it is asked to remove and says each member was still there. */
function recorder(): { calls: [string, string[]][]; remove: (g: string, ids: readonly string[]) => Promise<number> } {
  const calls: [string, string[]][] = [];
  return { calls, remove: async (g, ids) => (calls.push([g, [...ids]]), ids.length) };
}

describe('group members of a dead process', () => {
  it('removes what the previous process noted, per group, then forgets it', async () => {
    const dir = folder();
    recordGroupMember(dir, 'member-0-input', 'job', 'id-a');
    recordGroupMember(dir, 'member-1-input', 'job', 'id-b');
    recordGroupMember(dir, 'member-0-merge', 'job-merge', 'id-c');
    recordGroupMember(dir, 'member-0-input', 'job', 'id-a2'); // a later join of the same consumer replaces its id
    const r = recorder();
    expect(await evictPreviousMembers(dir, r.remove, () => undefined)).toBe(3);
    expect(r.calls.map(([g, ids]) => [g, ids.sort()]).sort()).toEqual([['job', ['id-a2', 'id-b']], ['job-merge', ['id-c']]]);
    expect(existsSync(join(dir, 'group-members'))).toBe(false);
  });

  it('leaves the members of a live process alone', async () => {
    const dir = folder();
    const other = spawn('sleep', ['30']);
    children.push(other);
    writeFileSync(join(dir, 'runner.pid'), `${other.pid} some-token`);
    recordGroupMember(dir, 'member-0-input', 'job', 'id-a');
    const r = recorder();
    const lines: string[] = [];
    expect(await evictPreviousMembers(dir, r.remove, (l) => lines.push(l))).toBe(0);
    expect(r.calls).toEqual([]);
    expect(lines.join()).toContain(`process ${other.pid} also uses`);
  });

  it('removes the members of a process that has exited, and not those of another runner in this process', async () => {
    const dir = folder();
    const gone = spawn('true');
    await new Promise((resolve) => gone.on('exit', resolve));
    writeFileSync(join(dir, 'runner.pid'), `${gone.pid} some-token`);
    recordGroupMember(dir, 'member-0-input', 'job', 'id-a');
    const r = recorder();
    expect(await evictPreviousMembers(dir, r.remove, () => undefined)).toBe(1);
    // This process now holds the folder: a second runner in it must not remove the first one's members.
    recordGroupMember(dir, 'member-0-input', 'job', 'id-live');
    const again = recorder();
    expect(await evictPreviousMembers(dir, again.remove, () => undefined)).toBe(0);
    expect(again.calls).toEqual([]);
  });

  it('a previous process with this pid (a new container) is another process', async () => {
    const dir = folder();
    writeFileSync(join(dir, 'runner.pid'), `${process.pid} token-of-an-earlier-container`);
    recordGroupMember(dir, 'member-0-input', 'job', 'id-a');
    const r = recorder();
    expect(await evictPreviousMembers(dir, r.remove, () => undefined)).toBe(1);
  });

  it('skips torn member files', async () => {
    const dir = folder();
    recordGroupMember(dir, 'member-0-input', 'job', 'id-a');
    writeFileSync(join(dir, 'group-members', 'member-1-input--job.json'), '{"groupId": "job", "memb');
    const r = recorder();
    expect(await evictPreviousMembers(dir, r.remove, () => undefined)).toBe(1);
    expect(r.calls).toEqual([['job', ['id-a']]]);
    expect(readdirSync(dir)).toEqual(['runner.pid']);
  });
});
