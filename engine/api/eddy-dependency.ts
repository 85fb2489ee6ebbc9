/**
 * A job in its own project imports `eddy` from its own node_modules, while the runner (or job
 * manager) that loads it is some Eddy install. Both must be one engine: the same copy, or the same
 * version, whose imports are then pointed at the loading copy (engine/api/eddy-alias-hooks.ts), so
 * classes and module-level symbols are shared. Different versions are refused, naming both.
 */
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { createRequire, register } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export interface EddyPackage {
  /** The package folder, symlinks resolved. */
  root: string;
  version: string;
}

/** How a job module's `eddy` relates to the loading one. */
export type EddyDependency = 'own' | 'none' | 'same-version';

let own: EddyPackage | undefined;
let aliased = false;

function readPackage(file: string): { name?: string; version?: string } {
  return JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
}

/** The Eddy this module belongs to: the nearest package.json named `eddy` above it (sources or dist/). */
export function ownEddyPackage(): EddyPackage {
  if (own) return own;
  for (let dir = dirname(fileURLToPath(import.meta.url)); dir !== dirname(dir); dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (!existsSync(file)) continue;
    const pkg = readPackage(file);
    if (pkg.name === 'eddy' && typeof pkg.version === 'string') return (own = { root: realpathSync(dir), version: pkg.version });
  }
  throw new Error(`no package.json named eddy above ${fileURLToPath(import.meta.url)}`);
}

/** The `eddy` a module at `file` imports, resolved as Node would; undefined when none is reachable. */
export function jobEddyPackage(file: string): EddyPackage | undefined {
  let pkgFile: string;
  try {
    pkgFile = createRequire(file).resolve('eddy/package.json');
  } catch (e) {
    if ((e as { code?: string }).code === 'MODULE_NOT_FOUND') return undefined;
    throw new Error(`${file}: cannot tell which eddy it imports (${(e as Error).message})`);
  }
  const { version } = readPackage(pkgFile);
  return { root: realpathSync(dirname(pkgFile)), version: version ?? 'unknown' };
}

/**
 * Checks the `eddy` a job module would import before it is imported; throws when its version is not
 * the loading Eddy's. For another copy of the same version, points `eddy` imports of this thread at
 * the loading copy (once per thread: module hooks are per thread in Node 20).
 *
 * @example
 * checkEddyDependency('/home/me/my-job/dist/job.js'); // 'same-version', or throws:
 * // /home/me/my-job/dist/job.js imports eddy 0.2.0 (/home/me/my-job/node_modules/eddy), but this eddy is 0.1.0 (/opt/eddy) ...
 */
export function checkEddyDependency(file: string): EddyDependency {
  const theirs = jobEddyPackage(file);
  if (theirs === undefined) return 'none';
  const mine = ownEddyPackage();
  if (theirs.root === mine.root) return 'own';
  if (theirs.version !== mine.version) {
    throw new Error(`${file} imports eddy ${theirs.version} (${theirs.root}), but this eddy is ${mine.version} (${mine.root}): ` +
      `the versions must agree: install eddy ${mine.version} in the job's project, or run the job with the eddy it depends on`);
  }
  if (!aliased) {
    register(new URL('./eddy-alias-hooks.js', import.meta.url), { data: { ownPackageJson: pathToFileURL(join(mine.root, 'package.json')).href } });
    aliased = true;
  }
  return 'same-version';
}
