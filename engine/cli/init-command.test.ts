import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { REPO } from '../api/testing/job-project.js';
import { initCommand, initProject } from './init-command.js';

const repoPackage = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
const FILES = ['.gitignore', 'README.md', 'package.json', 'src/job.test.ts', 'src/job.ts', 'tsconfig.build.json', 'tsconfig.json'];
const temp = (): string => mkdtempSync(join(tmpdir(), 'eddy-init-'));

/** `eddy init` on argv, in this process: 'done', or the message it refuses with. */
async function init(argv: string[]): Promise<string> {
  try {
    await initCommand.run(argv);
  } catch (e) {
    return (e as Error).message;
  }
  return 'done';
}

describe('eddy init', () => {
  it('writes every template file with every placeholder filled', () => {
    const dir = join(temp(), 'new', 'my-job');
    expect(initProject(dir, { name: 'my-job', eddy: 'file:/tmp/eddy-0.1.0.tgz' })).toEqual(FILES);
    for (const file of FILES) expect(readFileSync(join(dir, file), 'utf8'), file).not.toMatch(/\{\{|\}\}/);
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Record<string, Record<string, string>>;
    expect(pkg.name).toBe('my-job');
    expect(pkg.dependencies).toEqual({ eddy: 'file:/tmp/eddy-0.1.0.tgz', zod: repoPackage.dependencies.zod });
    expect(pkg.devDependencies).toEqual({ typescript: repoPackage.devDependencies.typescript, vitest: repoPackage.devDependencies.vitest, '@types/node': repoPackage.devDependencies['@types/node'] });
    expect(readFileSync(join(dir, 'src', 'job.ts'), 'utf8')).toContain("name: 'my-job',");
    expect(readFileSync(join(dir, 'README.md'), 'utf8')).toMatch(/^# my-job\n[\s\S]*npx eddy run \.\/dist\/job\.js --bounded[\s\S]*npx eddy submit \.\/dist\/job\.js/);
  });

  it('depends on this checkout by default, and names the job after the folder', async () => {
    const dir = join(temp(), 'views-job');
    expect(await init([dir, '--json'])).toBe('done');
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name: string; dependencies: Record<string, string> };
    expect(pkg).toMatchObject({ name: 'views-job', dependencies: { eddy: `file:${realpathSync(REPO)}` } });
  });

  it('refuses a folder that is not empty, a file, a name that is no job name, and no folder at all', async () => {
    const full = temp();
    writeFileSync(join(full, 'notes.txt'), 'mine\n');
    expect(await init([full])).toBe(`<dir>: ${full} is not empty: give a new or empty folder`);
    expect(readFileSync(join(full, 'notes.txt'), 'utf8')).toBe('mine\n');
    expect(await init([join(full, 'notes.txt')])).toBe(`<dir>: ${join(full, 'notes.txt')} is a file: give a new or empty folder`);
    expect(await init([join(temp(), 'My Job')])).toBe("<dir>: the folder's name 'My Job' is no job name (lowercase letters, digits and '-'): pass --name");
    expect(await init([join(temp(), 'x'), '--name', 'Bad_Name'])).toMatch(/^--name: expected lowercase letters/);
    expect(await init([])).toBe('missing argument <dir>: eddy init <dir>');
  });

  // The scaffold compiles against this eddy's declarations and exports (dist/, built by `npm test`), so the templates cannot rot.
  it('scaffolds a project that type-checks and passes its own test', async () => {
    const dir = join(temp(), 'checked-job');
    initProject(dir, { name: 'checked-job', eddy: `file:${REPO}` });
    mkdirSync(join(dir, 'node_modules'));
    symlinkSync(REPO, join(dir, 'node_modules', 'eddy'));
    for (const dep of ['zod', 'typescript', 'vitest', '@types']) symlinkSync(join(REPO, 'node_modules', dep), join(dir, 'node_modules', dep));
    const run = promisify(execFile);
    // Outside the repository's own vitest run: its variables would tell the child vitest it is a worker.
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('VITEST') && k !== 'NODE_OPTIONS'));
    await run(process.execPath, [join(dir, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(dir, 'tsconfig.json')], { cwd: dir, env });
    const test = await run(process.execPath, [join(dir, 'node_modules', 'vitest', 'vitest.mjs'), 'run'], { cwd: dir, env });
    expect(test.stdout).toMatch(/Tests\s+.*2 passed/);
  }, 60_000);
});
