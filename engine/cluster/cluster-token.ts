/**
 * The job manager's bearer token: read from a file the user alone can read, or generated into it
 * (mode 0600, folder 0700) on first start and reused after, so clients keep working across restarts.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { eddyHome } from '../config/eddy-home.js';

/** `$EDDY_HOME/cluster` (default `~/.eddy/cluster`): the token and, by default, the jobs' folders. */
export function clusterHome(home = eddyHome()): string {
  return join(home, 'cluster');
}

/** Where the token lives unless `--token-file` says otherwise. */
export function defaultTokenPath(): string {
  return join(clusterHome(), 'token');
}

/** Reads a token file; refuses one that others may read (as ssh refuses a private key). */
export function readToken(path: string): string {
  if (process.platform !== 'win32' && (statSync(path).mode & 0o077) !== 0) {
    throw new Error(`token file ${path} is readable by other users: run 'chmod 600 ${path}'`);
  }
  const token = readFileSync(path, 'utf8').trim();
  if (token.length < 16) throw new Error(`token file ${path} holds no token of at least 16 characters`);
  return token;
}

/**
 * The token in `path`, generated there first when the file does not exist.
 *
 * @example
 * const { token, created } = loadOrCreateToken(defaultTokenPath());
 */
export function loadOrCreateToken(path: string): { token: string; created: boolean } {
  if (existsSync(path)) return { token: readToken(path), created: false };
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const token = randomBytes(32).toString('base64url');
  // 'wx': never overwrite a token another process wrote in between.
  writeFileSync(path, `${token}\n`, { mode: 0o600, flag: 'wx' });
  chmodSync(path, 0o600); // the umask may have narrowed it further, never widened: make it exact
  return { token, created: true };
}

