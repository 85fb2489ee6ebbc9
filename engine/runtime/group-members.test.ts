import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { capturingLogger, quietLogger } from '../log/testing/log-capture.js';
import { StateDirInUseError, claimStateDir, evictPreviousMembers, type GroupAdmin, processClientId, recordGroup } from './group-members.js';

const children: { kill(): boolean }[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill();
});

function folder(): string {
  return mkdtempSync(join(tmpdir(), 'eddy-group-members-'));
}

/** When a process started, as a runner records it in its pid file (Linux). */
function startOf(pid: number): string {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return `${readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim()}:${stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]}`;
}

/** A process that has exited: its pid is free. */
async function gonePid(): Promise<number> {
  const gone = spawn('true');
  await new Promise((resolve) => gone.on('exit', resolve));
  return gone.pid!;
}

type Member = { memberId: string; clientId: string };

/** Groups as the broker would list them; counts how often the admin was connected. */
function broker(groups: Record<string, Member[]>): { groups: Record<string, Member[]>; connects: number; admin: () => Promise<GroupAdmin> } {
  const b = {
    groups,
    connects: 0,
    admin: async (): Promise<GroupAdmin> => {
      b.connects += 1;
      return {
        groupMembers: async (g) => [...(b.groups[g] ?? [])],
        removeMembers: async (g, ids) => {
          const before = b.groups[g]?.length ?? 0;
          b.groups[g] = (b.groups[g] ?? []).filter((m) => !ids.includes(m.memberId));
          return before - b.groups[g].length;
        },
      };
    },
  };
  return b;
}

const ids = (ms: Member[] | undefined): string[] => (ms ?? []).map((m) => m.memberId).sort();

describe('group members of a dead process', () => {
  it("removes, in every group noted, the members whose client id carries the previous process's token, then forgets the groups", async () => {
    const dir = folder();
    writeFileSync(join(dir, 'runner.pid'), `${await gonePid()} a1b2c3d4e5f6`);
    recordGroup(dir, 'job');
    recordGroup(dir, 'job-merge');
    recordGroup(dir, 'job'); // noted by each member: once is enough
    const b = broker({
      job: [
        { memberId: 'dead-0', clientId: 'eddy-job-a1b2c3d4e5f6' },
        { memberId: 'dead-1', clientId: 'eddy-job-a1b2c3d4e5f6' },
        { memberId: 'other', clientId: 'eddy-job-0f0f0f0f0f0f' }, // another process (another state folder)
      ],
      'job-merge': [{ memberId: 'dead-m', clientId: 'eddy-job-a1b2c3d4e5f6' }],
      unnoted: [{ memberId: 'dead-x', clientId: 'eddy-job-a1b2c3d4e5f6' }],
    });
    const { logger, records } = capturingLogger();
    expect(await evictPreviousMembers(dir, b.admin, logger)).toBe(3);
    expect(ids(b.groups.job)).toEqual(['other']);
    expect(ids(b.groups['job-merge'])).toEqual([]);
    expect(ids(b.groups.unnoted)).toEqual(['dead-x']);
    expect(records.map((r) => r.msg).join()).toContain('removed 3 group member(s)');
    expect(readdirSync(dir)).toEqual(['runner.pid']);
  });

  it('forgets the noted groups before it asks the broker, so members starting meanwhile can note theirs', async () => {
    const dir = folder();
    writeFileSync(join(dir, 'runner.pid'), `${await gonePid()} a1b2c3d4e5f6`);
    recordGroup(dir, 'job');
    const b = broker({ job: [{ memberId: 'dead', clientId: 'eddy-job-a1b2c3d4e5f6' }] });
    const evicting = evictPreviousMembers(dir, async () => {
      await new Promise((r) => setTimeout(r, 20));
      return b.admin();
    }, quietLogger());
    expect(existsSync(join(dir, 'groups'))).toBe(false);
    recordGroup(dir, 'job'); // this process's member, while the eviction talks to the broker
    expect(await evicting).toBe(1);
    expect(readdirSync(join(dir, 'groups'))).toEqual(['job']);
  });

  it('refuses a folder that a live process holds, naming both, and changes nothing', async () => {
    const dir = folder();
    const other = spawn('sleep', ['30']);
    children.push(other);
    await new Promise((r) => other.once('spawn', r));
    // As a runner records itself: pid, token, and when it started.
    const held = `${other.pid} a1b2c3d4e5f6 ${startOf(other.pid!)}`;
    writeFileSync(join(dir, 'runner.pid'), held);
    recordGroup(dir, 'job');
    const b = broker({ job: [{ memberId: 'live', clientId: 'eddy-job-a1b2c3d4e5f6' }] });
    const refusal = `state folder ${dir} is in use by another runner (process ${other.pid}): give each runner its own --state-dir`;
    expect(() => claimStateDir(dir)).toThrow(StateDirInUseError);
    expect(() => claimStateDir(dir)).toThrow(refusal);
    await expect(evictPreviousMembers(dir, b.admin, quietLogger())).rejects.toThrow(refusal);
    expect(b.connects).toBe(0);
    expect(ids(b.groups.job)).toEqual(['live']);
    expect(readFileSync(join(dir, 'runner.pid'), 'utf8')).toBe(held);
    expect(readdirSync(join(dir, 'groups'))).toEqual(['job']);
    // A pid file of an older Eddy (no start time) names a live process just the same.
    writeFileSync(join(dir, 'runner.pid'), `${other.pid} a1b2c3d4e5f6`);
    expect(() => claimStateDir(dir)).toThrow(refusal);
  });

  it('takes a folder whose recorded pid is alive but is another process (the pid came round again after a reboot)', async () => {
    const dir = folder();
    const other = spawn('sleep', ['30']);
    children.push(other);
    await new Promise((r) => other.once('spawn', r));
    writeFileSync(join(dir, 'runner.pid'), `${other.pid} a1b2c3d4e5f6 0000-boot-of-last-week:42`);
    expect(() => claimStateDir(dir)).not.toThrow();
    expect(readFileSync(join(dir, 'runner.pid'), 'utf8')).toMatch(new RegExp(`^${process.pid} [0-9a-f]{12}`));
  });

  it('lets this process claim a folder it holds again', () => {
    const dir = folder();
    claimStateDir(dir);
    expect(() => claimStateDir(dir)).not.toThrow();
  });

  it('does not remove the members of another runner in this process', async () => {
    const dir = folder();
    writeFileSync(join(dir, 'runner.pid'), `${await gonePid()} a1b2c3d4e5f6`);
    const b = broker({ job: [] });
    await evictPreviousMembers(dir, b.admin, quietLogger());
    // This process now holds the folder and its members join.
    recordGroup(dir, 'job');
    b.groups.job = [{ memberId: 'mine', clientId: processClientId('eddy-job') }];
    expect(await evictPreviousMembers(dir, b.admin, quietLogger())).toBe(0);
    expect(ids(b.groups.job)).toEqual(['mine']);
  });

  it('a previous process with this pid (a new container) is another process', async () => {
    const dir = folder();
    writeFileSync(join(dir, 'runner.pid'), `${process.pid} a1b2c3d4e5f6`);
    recordGroup(dir, 'job');
    const b = broker({ job: [{ memberId: 'dead', clientId: 'eddy-job-a1b2c3d4e5f6' }, { memberId: 'mine', clientId: processClientId('eddy-job') }] });
    expect(await evictPreviousMembers(dir, b.admin, quietLogger())).toBe(1);
    expect(ids(b.groups.job)).toEqual(['mine']);
  });

  it('asks the broker nothing on a first start or when no groups were noted', async () => {
    const fresh = folder();
    const b = broker({});
    expect(await evictPreviousMembers(fresh, b.admin, quietLogger())).toBe(0);
    expect(existsSync(join(fresh, 'runner.pid'))).toBe(true);
    const noGroups = folder();
    writeFileSync(join(noGroups, 'runner.pid'), `${await gonePid()} a1b2c3d4e5f6`);
    expect(await evictPreviousMembers(noGroups, b.admin, quietLogger())).toBe(0);
    expect(b.connects).toBe(0);
  });

  it("a distinct client id per process: this process's token on the configured one", () => {
    expect(processClientId('eddy-job')).toMatch(/^eddy-job-[0-9a-f]{12}$/);
    expect(processClientId('eddy-job')).toBe(processClientId('eddy-job'));
  });
});
