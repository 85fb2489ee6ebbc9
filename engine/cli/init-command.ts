/**
 * `eddy init <dir>`: a job in its own project, written from engine/cli/init-templates/ (real files, which the
 * tests scaffold and compile): package.json depending on eddy, tsconfig, `src/job.ts` with its
 * options, `src/job.test.ts` on the operator harness (vitest), and a README with the commands.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import * as z from 'zod';
import { ownEddyPackage } from '../api/eddy-dependency.js';
import type { Command } from './command.js';
import { CliError, parseCommand } from './flags.js';

const usage = `Usage: eddy init <dir> [--name NAME] [--eddy SPEC] [--json]

Writes a job in its own project into <dir>, a new or empty folder: package.json (depending on
eddy), tsconfig, src/job.ts (a job with its options), src/job.test.ts (the job on the operator
harness, vitest) and a README with the commands to test it, run it against the local broker and
submit it to a job manager.

  --name NAME   the package's and the job's name (default: the folder's name); lowercase
                letters, digits and '-'
  --eddy SPEC   the eddy dependency written into package.json: a version range ('^0.1.0'), a
                tarball of 'npm pack' ('file:/path/eddy-0.1.0.tgz') or a folder (default: this
                eddy's folder when it is a checkout, else '^' and its version)
  --json        print {"dir", "name", "files"}
`;

const flags = { name: { type: 'string' }, eddy: { type: 'string' }, json: { type: 'boolean' } } as const;
const JOB_NAME = /^[a-z0-9][a-z0-9-]{0,99}$/;
const Options = z.strictObject({
  name: z.string().regex(JOB_NAME, "expected lowercase letters, digits and '-' (it names the job, its consumer group and its output topic)").optional(),
  eddy: z.string().min(1).optional(),
  json: z.boolean().default(false),
});

/** Template files named so npm keeps them in the package; renamed when written. */
const RENAMED: Record<string, string> = { gitignore: '.gitignore' };

/** Every file under `dir`, as paths relative to it. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((d) => d.isFile())
    .map((d) => relative(dir, join(d.parentPath, d.name)))
    .sort();
}

/** `{{key}}` → its value; a placeholder without a value is a template bug, not a user error. */
function fill(text: string, values: Readonly<Record<string, string>>, file: string): string {
  return text.replace(/\{\{([^{}]+)\}\}/g, (_, key: string) => {
    const value = values[key];
    if (value === undefined) throw new Error(`template ${file}: no value for {{${key}}}`);
    return value;
  });
}

/** The placeholders: the name, the eddy dependency, and the versions eddy itself builds and tests with. */
function templateValues(name: string, eddySpec: string | undefined): Record<string, string> {
  const { root, version } = ownEddyPackage();
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; devDependencies?: Record<string, string> };
  const versionOf = (dep: string): string => {
    const v = pkg.dependencies[dep] ?? pkg.devDependencies?.[dep];
    if (v === undefined) throw new Error(`eddy's package.json names no version of ${dep}`);
    return v;
  };
  // Installed from a registry or a tarball, eddy sits in a node_modules folder: depend on its version.
  const installed = root.split(sep).includes('node_modules');
  return {
    name,
    eddy: eddySpec ?? (installed ? `^${version}` : `file:${root}`),
    zod: versionOf('zod'),
    typescript: versionOf('typescript'),
    vitest: versionOf('vitest'),
    '@types/node': versionOf('@types/node'),
  };
}

/** A scaffold never overwrites: `dir` must be missing or an empty folder. */
function assertNewOrEmpty(dir: string): void {
  if (!existsSync(dir)) return;
  if (!statSync(dir).isDirectory()) throw new CliError(`<dir>: ${dir} is a file: give a new or empty folder`);
  if (readdirSync(dir).length > 0) throw new CliError(`<dir>: ${dir} is not empty: give a new or empty folder`);
}

/**
 * Scaffolds a job project into `dir` (created if missing; refused unless empty); returns the files written.
 *
 * @example
 * initProject('/tmp/my-job', { name: 'my-job', eddy: 'file:/tmp/eddy-0.1.0.tgz' });
 * // ['.gitignore', 'README.md', 'package.json', 'src/job.test.ts', 'src/job.ts', 'tsconfig.build.json', 'tsconfig.json']
 */
export function initProject(dir: string, o: { name: string; eddy?: string }): string[] {
  assertNewOrEmpty(dir);
  const templates = join(ownEddyPackage().root, 'engine', 'cli', 'init-templates');
  const values = templateValues(o.name, o.eddy);
  const written: string[] = [];
  for (const file of filesUnder(templates)) {
    const target = join(dirname(file), RENAMED[basename(file)] ?? basename(file));
    mkdirSync(join(dir, dirname(target)), { recursive: true });
    writeFileSync(join(dir, target), fill(readFileSync(join(templates, file), 'utf8'), values, file));
    written.push(target);
  }
  return written.sort();
}

export const initCommand: Command = {
  name: 'init',
  summary: 'write a job in its own project (package, job, test, README) into a new folder',
  usage,
  flags,
  async run(argv) {
    const { options, positionals, help } = parseCommand(argv, flags, Options, { command: 'init', positionals: 1 });
    if (help) {
      process.stdout.write(usage);
      return 0;
    }
    const [given] = positionals;
    if (given === undefined) throw new CliError('missing argument <dir>: eddy init <dir>');
    const dir = resolve(given);
    assertNewOrEmpty(dir);
    const name = options.name ?? basename(dir);
    if (!JOB_NAME.test(name)) throw new CliError(`<dir>: the folder's name '${name}' is no job name (lowercase letters, digits and '-'): pass --name`);
    const files = initProject(dir, { name, ...(options.eddy === undefined ? {} : { eddy: options.eddy }) });
    if (options.json) {
      console.log(JSON.stringify({ dir, name, files }));
      return 0;
    }
    console.log(`Wrote job '${name}' into ${dir}:\n${files.map((f) => `  ${f}`).join('\n')}\n`);
    console.log(`Next:\n  cd ${relative(process.cwd(), dir) || '.'}\n  npm install\n  npm test\n  npm run build && npx eddy run ./dist/job.js --bounded\n\nREADME.md has the rest (the local broker, a job manager).`);
    return 0;
  },
};
