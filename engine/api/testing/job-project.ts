/**
 * Test helpers: a job project outside the repository, in a temp folder, whose `eddy` is a stand-in
 * package of a chosen version (its `index.js` says what happens when it is imported), so tests can
 * tell which eddy a job module gets.
 */
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository (this file is engine/api/testing/). */
export const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** A job module importing `eddy` and zod: a source, a filter, a sink. */
export const JOB_SOURCE = `import * as z from 'zod';
import { defineJob, jsonSerde } from 'eddy';
export default defineJob({
  name: 'outside',
  description: 'a job outside the repository',
  options: z.strictObject({ topic: z.string().default('in') }),
  build(b, o) {
    b.source('in', { topic: o.topic, serde: jsonSerde(z.object({ t: z.number() })), timestamp: (e) => e.t })
      .filter('all', () => true)
      .sink('out', { topic: 'out', encode: (e) => ({ key: null, value: JSON.stringify(e) }) });
  },
});
`;

/** The stand-in eddy's index.js by default: what JOB_SOURCE imports, throwing when called. */
const STAND_IN = `const used = () => { throw new Error('the stand-in eddy was imported'); };
export const defineJob = used;
export const jsonSerde = used;
`;

/**
 * Writes `<temp>/package.json`, `<temp>/job.js` (`job`, default JOB_SOURCE) and, given a version,
 * `<temp>/node_modules/eddy` at that version (a stand-in); zod is the repository's. Returns the job
 * module's path.
 *
 * @example
 * const job = jobProject({ eddyVersion: '9.9.9' }); // loading it is refused: eddy 9.9.9 is not this one
 */
export function jobProject(o: { eddyVersion?: string; job?: string }): string {
  const dir = mkdtempSync(join(tmpdir(), 'eddy-job-project-'));
  mkdirSync(join(dir, 'node_modules'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'outside', private: true, type: 'module' }));
  if (o.eddyVersion !== undefined) {
    const eddy = join(dir, 'node_modules', 'eddy');
    mkdirSync(eddy);
    writeFileSync(join(eddy, 'package.json'), JSON.stringify({ name: 'eddy', version: o.eddyVersion, type: 'module', exports: { '.': './index.js', './package.json': './package.json' } }));
    writeFileSync(join(eddy, 'index.js'), STAND_IN);
  }
  symlinkSync(join(REPO, 'node_modules', 'zod'), join(dir, 'node_modules', 'zod'));
  writeFileSync(join(dir, 'job.js'), o.job ?? JOB_SOURCE);
  return join(dir, 'job.js');
}
