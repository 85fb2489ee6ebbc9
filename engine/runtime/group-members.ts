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
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';

const DIR = 'groups';
const PID_FILE = 'runner.pid';

/** This process: its pid can repeat in a new container, so a random token goes with it. */
const TOKEN = randomUUID().replaceAll('-', '').slice(0, 12);
const SELF = `${process.pid} ${TOKEN}`;

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

/**
 * Claims the state folder for this process and, when the previous process on it is gone, removes
 * that process's members from the groups it noted. Returns how many members were removed.
 *
 * `admin` is called only when there is something to look up. Everything up to that call is
 * synchronous: the folder is claimed before this function returns its promise.
 *
 * @example
 * const admin = new KafkaAdmin(kafka);
 * const evicting = evictPreviousMembers(stateDir, async () => (await admin.connect(), admin), console.error);
 * // meanwhile start the members with kafka.clientId = processClientId(kafka.clientId)
 * await evicting;
 */
export async function evictPreviousMembers(stateDir: string, admin: () => Promise<GroupAdmin>, log: (line: string) => void): Promise<number> {
  mkdirSync(stateDir, { recursive: true });
  const pidFile = join(stateDir, PID_FILE);
  let previous = '';
  try {
    previous = readFileSync(pidFile, 'utf8');
  } catch {
    // first run on this folder
  }
  writeFileSync(pidFile, SELF);
  const [pidText, token] = previous.split(' ');
  const pid = Number.parseInt(pidText ?? '', 10);
  // Another runner of this process, or another live process (a pid of 1 in a new container is not).
  if (previous === SELF || (pid !== process.pid && pid > 0 && alive(pid))) {
    log(`eddy: process ${pid} also uses ${stateDir}; its group members are left alone`);
    return 0;
  }
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
  const removed = await Promise.all(
    groups.map(async (groupId) => {
      const ids = (await broker.groupMembers(groupId)).filter((m) => m.clientId.endsWith(`-${token}`)).map((m) => m.memberId);
      return ids.length > 0 ? broker.removeMembers(groupId, ids) : 0;
    }),
  ).then((ns) => ns.reduce((a, b) => a + b, 0));
  if (removed > 0) log(`eddy: removed ${removed} group member(s) of the previous process from their groups in ${Date.now() - from} ms`);
  return removed;
}
