/**
 * Eddy's per-user folder, `$EDDY_HOME` (default `~/.eddy`): the local broker, Prometheus, the job
 * manager's token and jobs, and runners' default state folders live under it.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * Reads `process.env.EDDY_HOME` (or `env.EDDY_HOME` of the environment given).
 *
 * @example
 * eddyHome({ EDDY_HOME: '/srv/eddy' }) // '/srv/eddy'
 */
export function eddyHome(env: NodeJS.ProcessEnv = process.env): string {
  return env.EDDY_HOME ?? join(homedir(), '.eddy');
}
