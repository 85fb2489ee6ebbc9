/**
 * Faster recovery after a crash: each member notes its consumer-group member ids in the state folder,
 * and the next runner process on that folder removes those members from their groups before it
 * joins. Without this, a process killed with SIGKILL stays in its groups until its session times
 * out, and the restarted process's join waits for that (Kafka's static membership solves the same
 * problem, and kafkajs does not have it). Only members of a dead process are removed: the folder
 * names the process that used it last, and a live one keeps its members.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import * as z from 'zod';

const DIR = 'group-members';
const PID_FILE = 'runner.pid';

/** This process: its pid can repeat in a new container, so a random token goes with it. */
const SELF = `${process.pid} ${randomUUID()}`;

const MemberFile = z.strictObject({ groupId: z.string().min(1), memberId: z.string().min(1) });

/** Removes members from a group on their behalf (KafkaAdmin.removeMembers); returns how many were still in it. */
export type RemoveMembers = (groupId: string, memberIds: readonly string[]) => Promise<number>;

/** Notes `memberId` as the group member of the consumer `name` (unique within the process). */
export function recordGroupMember(stateDir: string, name: string, groupId: string, memberId: string): void {
  const dir = join(stateDir, DIR);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}--${encodeURIComponent(groupId)}.json`);
  writeFileSync(`${file}.tmp`, JSON.stringify({ groupId, memberId }));
  renameSync(`${file}.tmp`, file);
}

/** A member file, or undefined when it is torn or not one (it only speeds recovery up). */
function readMember(path: string): z.infer<typeof MemberFile> | undefined {
  try {
    return MemberFile.parse(JSON.parse(readFileSync(path, 'utf8')));
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Claims the state folder for this process and removes the group members that the previous process
 * on it noted, when that process is gone. Returns how many members were removed (members that had
 * already left or timed out do not count).
 *
 * @example
 * const admin = new KafkaAdmin(kafka);
 * await admin.connect();
 * await evictPreviousMembers(stateDir, (g, ids) => admin.removeMembers(g, ids), console.error);
 */
export async function evictPreviousMembers(stateDir: string, remove: RemoveMembers, log: (line: string) => void): Promise<number> {
  mkdirSync(stateDir, { recursive: true });
  const pidFile = join(stateDir, PID_FILE);
  let previous = '';
  try {
    previous = readFileSync(pidFile, 'utf8');
  } catch {
    // first run on this folder
  }
  writeFileSync(pidFile, SELF);
  const pid = Number.parseInt(previous, 10);
  // Another runner of this process, or another live process (a pid of 1 in a new container is not).
  if (previous === SELF || (pid !== process.pid && pid > 0 && alive(pid))) {
    log(`eddy: process ${pid} also uses ${stateDir}; its group members are left alone`);
    return 0;
  }
  const dir = join(stateDir, DIR);
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.json'));
  } catch {
    return 0;
  }
  const byGroup = new Map<string, string[]>();
  for (const f of files) {
    const m = readMember(join(dir, f));
    if (m) byGroup.set(m.groupId, [...(byGroup.get(m.groupId) ?? []), m.memberId]);
  }
  let removed = 0;
  for (const [groupId, ids] of byGroup) removed += await remove(groupId, ids);
  rmSync(dir, { recursive: true, force: true });
  if (removed > 0) log(`eddy: removed ${removed} group member(s) of the previous process from their groups`);
  return removed;
}
