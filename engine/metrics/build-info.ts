/** Eddy's version, for `eddy_build_info`: from the package.json of the eddy package this file belongs to. */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let version: string | undefined;

/**
 * The nearest package.json named `eddy` above this file (engine/metrics/ in the sources,
 * dist/engine/metrics/ compiled), read once.
 *
 * @example
 * eddyVersion(); // '0.1.0'
 */
export function eddyVersion(): string {
  if (version !== undefined) return version;
  for (let dir = dirname(fileURLToPath(import.meta.url)); dir !== dirname(dir); dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (!existsSync(file)) continue;
    const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
    if (pkg.name === 'eddy' && typeof pkg.version === 'string') return (version = pkg.version);
  }
  return (version = 'unknown');
}
