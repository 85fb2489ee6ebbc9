import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { checkEddyDependency, jobEddyPackage, ownEddyPackage } from './eddy-dependency.js';
import { jobProject, REPO } from './testing/job-project.js';

const { version } = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string };
// The alias hooks are compiled JavaScript: these checks go through dist/ (built by `npm test`).
const eddy = join(REPO, 'dist', 'engine', 'cli', 'eddy.js');
const definitionModule = join(REPO, 'dist', 'engine', 'api', 'job-definition.js');

describe('the eddy a job module imports', () => {
  it('is this one for the jobs in the repository (the package refers to itself by name)', () => {
    expect(ownEddyPackage()).toEqual({ root: realpathSync(REPO), version });
    expect(jobEddyPackage(join(REPO, 'jobs', 'content-popularity', 'job.ts'))).toEqual(ownEddyPackage());
    expect(checkEddyDependency(join(REPO, 'jobs', 'content-popularity', 'job.ts'))).toBe('own');
  });

  it('is none when the module reaches no eddy', () => {
    const job = join(mkdtempSync(join(tmpdir(), 'eddy-no-eddy-')), 'job.js');
    writeFileSync(job, 'export default 1;\n');
    expect(jobEddyPackage(job)).toBeUndefined();
    expect(checkEddyDependency(job)).toBe('none');
  });

  it('is refused at another version, naming both versions and where they are', () => {
    const job = jobProject({ eddyVersion: '9.9.9' });
    const theirs = realpathSync(join(job, '..', 'node_modules', 'eddy'));
    expect(() => checkEddyDependency(job)).toThrow(`${job} imports eddy 9.9.9 (${theirs}), but this eddy is ${version} (${realpathSync(REPO)}): the versions must agree`);
  });

  it("is this one's engine for another copy of the same version, in the main thread and in worker threads", async () => {
    // The stand-in throws when imported: the job only loads if its `eddy` imports go to this one.
    const job = jobProject({ eddyVersion: version });
    const plan = await promisify(execFile)(process.execPath, [eddy, 'plan', job, '--json']);
    expect(JSON.parse(plan.stdout)).toMatchObject({ job: 'outside', stages: [{ id: 'in' }] });
    const source = `
      const { parentPort, workerData } = require('node:worker_threads');
      import(workerData.definitionModule)
        .then(({ loadJob }) => loadJob(workerData.job))
        .then((def) => parentPort.postMessage(def.name), (e) => parentPort.postMessage(String(e)));`;
    const worker = new Worker(source, { eval: true, workerData: { definitionModule, job } });
    const reply = await new Promise((resolve, reject) => worker.once('message', resolve).once('error', reject));
    await worker.terminate();
    expect(reply).toBe('outside');
  });

  it('without the alias, the second copy would be imported (the stand-in throws)', async () => {
    const job = jobProject({ eddyVersion: version });
    const direct = `import(${JSON.stringify(job)}).then(() => console.log('loaded'), (e) => console.log(e.message));`;
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', direct]);
    expect(stdout.trim()).toBe('the stand-in eddy was imported');
  });
});
