/**
 * Where `eddy` finds jobs: each folder of `jobs/` with a `job.ts` (compiled to `job.js`), or a path to a
 * job module (a job in its own project, importing `eddy`). Jobs are loaded by path, so a worker thread
 * can load the same module the CLI did.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadJob, type JobDefinition } from '../api/job-definition.js';
import { CliError } from './flags.js';

/** `dist/jobs` next to this compiled file. */
const JOBS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'jobs');

/** Names of the jobs that ship with Eddy. */
export function jobNames(): string[] {
  if (!existsSync(JOBS_DIR)) return [];
  return readdirSync(JOBS_DIR, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(JOBS_DIR, d.name, 'job.js')))
    .map((d) => d.name)
    .sort();
}

/** The module path of a job name (or of a path given by the user). */
export function jobModulePath(nameOrPath: string): string {
  if (/^[a-z0-9-]+$/.test(nameOrPath)) {
    const path = join(JOBS_DIR, nameOrPath, 'job.js');
    if (existsSync(path)) return path;
    throw new CliError(`unknown job '${nameOrPath}' (available: ${jobNames().join(', ') || 'none'})`);
  }
  const path = resolve(nameOrPath);
  if (!existsSync(path)) throw new CliError(`no job module at ${path}`);
  if (statSync(path).isDirectory()) throw new CliError(`${path} is a folder: name the job module in it (the compiled job.js)`);
  return path;
}

export async function resolveJob(nameOrPath: string | undefined): Promise<{ path: string; def: JobDefinition }> {
  if (nameOrPath === undefined) throw new CliError(`which job? (available: ${jobNames().join(', ') || 'none'})`);
  const path = jobModulePath(nameOrPath);
  try {
    return { path, def: await loadJob(path) };
  } catch (e) {
    throw new CliError((e as Error).message);
  }
}
