/**
 * Faster recovery after a crash. A process killed with SIGKILL stays in its consumer groups until
 * its session times out, and the restarted process's join waits for that (Kafka's static
 * membership solves the same problem, and kafkajs does not have it). So a runner names its Kafka
 * clients after itself (`<clientId>-<token>`, as Kafka Streams puts its process id in its client
 * ids), its members note in the state folder which groups they consume in, and the next runner on
 * that folder removes from those groups every member whose client id carries the previous
 * process's token, once that process is gone.
 *
 * Members are found by client id, through the group's own member list, not by noting member ids:
 * a member that has joined but not yet synced (a kill in the middle of a rebalance) has an id the
 * process never learned, and the group waits for it all the same.
 *
 * The pid file also makes a folder one runner's: a second live process on it is refused
 * ({@link claimStateDir}), as two would take each other's RocksDB folders and group members.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { join, resolve } from 'node:path';
import type { Logger } from '../log/logger.js';

const DIR = 'groups';
const PID_FILE = 'runner.pid';

/**
 * When a process started (Linux: boot id and start tick), so that a live process that merely got a
 * recorded pid again (after a reboot: the state folder outlives it) is not taken for the runner.
 */
function startOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 22 (starttime), counted after the command name, which is in parentheses and may hold spaces.
    const start = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
    return start === undefined ? undefined : `${readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim()}:${start}`;
  } catch {
    return undefined;
  }
}

/** This process: its pid can repeat in a new container, so a random token goes with it. */
const TOKEN = randomUUID().replaceAll('-', '').slice(0, 12);
const SELF = [process.pid, TOKEN, startOf(process.pid)].filter((f) => f !== undefined).join(' ');

/** Folders this process has claimed, with what their pid file said before (read once, by eviction). */
const claims = new Map<string, string>();

/** Another live process holds the state folder. */
export class StateDirInUseError extends Error {
  override readonly name = 'StateDirInUseError';
}

/** What eviction needs of the broker (KafkaAdmin's `groupMembers` and `removeMembers`). */
export interface GroupAdmin {
  groupMembers(groupId: string): Promise<{ memberId: string; clientId: string }[]>;
  /** Removes members on their behalf; returns how many were still in the group. */
  removeMembers(groupId: string, memberIds: readonly string[]): Promise<number>;
}

/** The client id this process's Kafka clients use: `clientId` marked with the process's token. */
export function processClientId(clientId: string): string {
  return `${clientId}-${TOKEN}`;
}

/** Notes that this state folder's process consumes in `groupId` (before its consumer joins). */
export function recordGroup(stateDir: string, groupId: string): void {
  const dir = join(stateDir, DIR);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, encodeURIComponent(groupId)), '');
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The pid of a live process other than this one that a pid file's text names, if any. */
function holder(pidFile: string): number | undefined {
  const [pidText, , start] = pidFile.split(' ');
  const pid = Number.parseInt(pidText ?? '', 10);
  // This pid with another token: an earlier process in another container (a pid of 1 in a new one), gone.
  if (!(pid > 0) || pid === process.pid || !alive(pid)) return undefined;
  // Recorded with its start: alive with another start is another process that got the pid again.
  return start === undefined || startOf(pid) === undefined || startOf(pid) === start ? pid : undefined;
}

/**
 * Claims a state folder for this process: its pid file names this process from now on. Throws a
 * {@link StateDirInUseError} when another live process holds it, before anything is changed; a
 * runner restarted after SIGKILL (the pid is gone) or in a new container (another token) claims it.
 * Claiming a folder this process holds already does nothing.
 *
 * @example
 * claimStateDir(stateDir); // before any member starts: two runners on one folder are refused
 */
export function claimStateDir(stateDir: string): void {
  const key = resolve(stateDir);
  if (claims.has(key)) return;
  mkdirSync(stateDir, { recursive: true });
  const pidFile = join(stateDir, PID_FILE);
  let previous = '';
  try {
    previous = readFileSync(pidFile, 'utf8');
  } catch {
    // first run on this folder
  }
  const other = holder(previous);
  if (other !== undefined) {
    throw new StateDirInUseError(`state folder ${stateDir} is in use by another runner (process ${other}): give each runner its own --state-dir (if process ${other} is no Eddy runner, delete ${pidFile})`);
  }
  writeFileSync(pidFile, SELF);
  claims.set(key, previous);
}

/**
 * Claims the state folder for this process ({@link claimStateDir}: rejects when another live
 * process holds it) and removes the previous process's members from the groups it noted. Returns
 * how many members were removed.
 *
 * `admin` is called only when there is something to look up. Everything up to that call is
 * synchronous: the folder is claimed before this function returns its promise.
 *
 * @example
 * const admin = new KafkaAdmin(kafka);
 * const evicting = evictPreviousMembers(stateDir, async () => (await admin.connect(), admin), logger);
 * // meanwhile start the members with kafka.clientId = processClientId(kafka.clientId)
 * await evicting;
 */
export async function evictPreviousMembers(stateDir: string, admin: () => Promise<GroupAdmin>, logger: Logger): Promise<number> {
  claimStateDir(stateDir);
  const key = resolve(stateDir);
  const previous = claims.get(key) ?? '';
  // Once per claim: a later runner of this process on the folder finds only this process's members.
  claims.set(key, SELF);
  if (previous === SELF) return 0;
  const [, token] = previous.split(' ');
  const dir = join(stateDir, DIR);
  let groups: string[] = [];
  try {
    groups = readdirSync(dir).map(decodeURIComponent);
  } catch {
    // no groups noted
  }
  // Forgotten before the first await: this process's members may start meanwhile and note theirs.
  rmSync(dir, { recursive: true, force: true });
  if (!token || groups.length === 0) return 0;
  const from = Date.now();
  const broker = await admin();
  const connectedMs = Date.now() - from;
  const removed = await Promise.all(
    groups.map(async (groupId) => {
      const ids = (await broker.groupMembers(groupId)).filter((m) => m.clientId.endsWith(`-${token}`)).map((m) => m.memberId);
      return ids.length > 0 ? broker.removeMembers(groupId, ids) : 0;
    }),
  ).then((ns) => ns.reduce((a, b) => a + b, 0));
  if (removed > 0) logger.info(`removed ${removed} group member(s) of the previous process from their groups in ${Date.now() - from} ms (${connectedMs} ms to connect)`);
  return removed;
}
