/**
 * Where `eddy run` keeps its tasks' local state: `--state-dir`, else a folder per group under
 * `$EDDY_HOME/state` that only the user can read (state holds the job's data, and a folder under the
 * system temp dir was shared by every user and outlived the broker it was built from). The folder is
 * claimed for this process before any member starts, so a second runner on it fails at once, saying so.
 */
import { chmodSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { eddyHome } from '../config/eddy-home.js';
import { StateDirInUseError, claimStateDir } from '../runtime/group-members.js';
import { CliError } from './flags.js';

/**
 * `$EDDY_HOME/state/<group>`, created with mode 0700.
 *
 * @example
 * defaultStateDir('content-popularity') // '/home/me/.eddy/state/content-popularity'
 */
export function defaultStateDir(groupId: string, home = eddyHome()): string {
  const dir = join(home, 'state', encodeURIComponent(groupId));
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  // mkdir's mode covers only folders it creates (and the umask applies): one made earlier is set too.
  chmodSync(join(home, 'state'), 0o700);
  chmodSync(dir, 0o700);
  return dir;
}

/**
 * The runner's state folder, claimed for this process.
 *
 * @example
 * const stateDir = runnerStateDir(options.stateDir, groupId); // throws a CliError if another runner uses it
 */
export function runnerStateDir(given: string | undefined, groupId: string): string {
  const dir = given ?? defaultStateDir(groupId);
  try {
    claimStateDir(dir);
  } catch (e) {
    throw e instanceof StateDirInUseError ? new CliError(e.message) : e;
  }
  return dir;
}
