/**
 * `@confluentinc/kafka-javascript` (librdkafka), the alternative Kafka client that Eddy's input can
 * run on for comparison (`eddy run --input-client confluent`, README "Eddy alone"). It is not one of
 * Eddy's dependencies: it compiles librdkafka at install, and its prebuilt binaries come from GitHub,
 * which not every machine reaches. So it is installed on first use into `$EDDY_HOME/confluent-<version>`
 * (default `~/.eddy`), built against the system's OpenSSL and zlib (`CKJS_LINKING=dynamic`), as the
 * broker's jars are fetched on first start. `$EDDY_CONFLUENT_DIR` names a folder that has it already.
 *
 * Its native addon calls back into the main thread's event loop only (loaded in a worker thread it
 * aborts the process), and it is not context-aware (confluentinc/confluent-kafka-javascript#258): a
 * second thread cannot load it. That is why a member on it runs on the runner's main thread.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { eddyHome } from '../../engine/config/eddy-home.js';

export const CONFLUENT_VERSION = '1.10.1';
const PACKAGE = '@confluentinc/kafka-javascript';

/** A failure the user can fix (the message says how). */
export class ConfluentSetupError extends Error {
  override readonly name = 'ConfluentSetupError';
}

/** The folder whose `node_modules` holds the client: `$EDDY_CONFLUENT_DIR`, else under `$EDDY_HOME`. */
export function confluentHome(env: NodeJS.ProcessEnv = process.env): string {
  return env.EDDY_CONFLUENT_DIR ?? join(eddyHome(env), `confluent-${CONFLUENT_VERSION}`);
}

const installed = (dir: string): boolean => existsSync(join(dir, 'node_modules', PACKAGE, 'build', 'Release'));

/**
 * Returns the client's folder. A folder named by `dir` or `$EDDY_CONFLUENT_DIR` must hold it already;
 * the default one under `$EDDY_HOME` is installed first when missing (about a minute: it compiles),
 * with one line through `log`.
 *
 * @example
 * const dir = ensureConfluentClient({ log: console.error });
 * const rd = loadConfluentClient(dir);
 */
export function ensureConfluentClient(opts: { dir?: string; log?: (line: string) => void } = {}): string {
  const given = opts.dir ?? process.env.EDDY_CONFLUENT_DIR;
  const dir = given ?? confluentHome();
  if (installed(dir)) return dir;
  if (given) throw new ConfluentSetupError(`${dir} does not hold a built ${PACKAGE} (node_modules/${PACKAGE}/build/Release): leave EDDY_CONFLUENT_DIR unset to install it under ~/.eddy`);
  opts.log?.(`installing ${PACKAGE}@${CONFLUENT_VERSION} into ${dir} (compiles librdkafka; about a minute)`);
  mkdirSync(dir, { recursive: true });
  if (!existsSync(join(dir, 'package.json'))) writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'eddy-confluent-client', private: true }));
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const r = spawnSync(npm, ['install', '--no-audit', '--no-fund', '--no-save', `${PACKAGE}@${CONFLUENT_VERSION}`], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, CKJS_LINKING: 'dynamic' },
    timeout: 900_000,
  });
  if (r.status !== 0 || !installed(dir)) {
    const why = (r.error?.message ?? `${r.stdout}${r.stderr}`).trim().split('\n').slice(-5).join('\n');
    throw new ConfluentSetupError(
      `could not install ${PACKAGE}@${CONFLUENT_VERSION} into ${dir} (it needs a C++ compiler, make, python3 and the OpenSSL and zlib headers; ` +
        `or set EDDY_CONFLUENT_DIR to a folder that has it): ${why}`,
    );
  }
  return dir;
}

/** Loads the client from `dir` (see {@link ensureConfluentClient}); on the main thread only. */
export function loadConfluentClient<T>(dir = confluentHome()): T {
  if (!installed(dir)) throw new ConfluentSetupError(`${PACKAGE} is not installed in ${dir}: run ensureConfluentClient() or set EDDY_CONFLUENT_DIR`);
  try {
    return createRequire(join(dir, 'package.json'))(PACKAGE) as T;
  } catch (e) {
    if (/did not self-register/.test((e as Error).message)) {
      throw new ConfluentSetupError(`${PACKAGE} is loaded by another thread of this process already (its addon is not context-aware): one member thread per process can use it`);
    }
    throw e;
  }
}
