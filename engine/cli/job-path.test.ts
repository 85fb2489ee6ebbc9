/**
 * A job module given by path (`eddy plan ./path/job.js`, also what `run` and `submit` load): every
 * way it can fail to load or build is reported on one line naming the job's own file, and its line
 * when its own code failed. Through the built CLI (dist/, built by `npm test`).
 */
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { jobProject, REPO } from '../api/testing/job-project.js';

const eddy = join(REPO, 'dist', 'engine', 'cli', 'eddy.js');

/** `eddy <args>`: exit code and stderr. */
async function run(args: string[]): Promise<{ code: number; stderr: string }> {
  try {
    const { stderr } = await promisify(execFile)(process.execPath, [eddy, ...args]);
    return { code: 0, stderr };
  } catch (e) {
    const { code, stderr } = e as { code: number; stderr: string };
    return { code, stderr };
  }
}

/** A job module in a project without eddy (it needs none to fail). */
const module = (source: string): string => jobProject({ job: source });

describe('a job module by path that does not load or build', () => {
  it('names the line of a syntax error, and of an error its top level throws', async () => {
    const syntax = module("import * as z from 'zod';\nexport default { name: 'x',, };\n");
    expect(await run(['plan', syntax])).toEqual({ code: 2, stderr: `eddy plan: cannot load job module ${syntax}: Unexpected token ',' (at ${syntax}:2)\n` });
    const throws = module("const n = 1;\nthrow new TypeError('top-level oops ' + n);\n");
    expect(await run(['run', throws])).toEqual({ code: 2, stderr: `eddy run: cannot load job module ${throws}: top-level oops 1 (at ${throws}:2:7)\n` });
  });

  it("names the line of its build that threw, and says what a module that is no job lacks", async () => {
    const build = module("import * as z from 'zod';\nexport default {\n  name: 'x', description: 'd', options: z.object({}),\n  build() { throw new Error('no stages'); },\n};\n");
    expect(await run(['plan', build])).toEqual({ code: 2, stderr: `eddy plan: ${build}: no stages (at ${build}:4:19)\n` });
    const notAJob = module('export default 42;\n');
    expect((await run(['plan', notAJob])).stderr).toBe(`eddy plan: ${notAJob} does not export a job: expected 'export default defineJob({ name, description, options, build })'\n`);
  });

  it('says to install eddy when the module cannot reach it, and names both versions when its eddy is another', async () => {
    const noEddy = module("import { defineJob } from 'eddy';\nexport default defineJob({});\n");
    expect((await run(['plan', noEddy])).stderr).toBe(`eddy plan: cannot load job module ${noEddy}: Cannot find package 'eddy' imported from ${noEddy} (install eddy in the job's project: npm install eddy)\n`);
    const other = jobProject({ eddyVersion: '9.9.9' });
    expect(await run(['submit', other, '--url', 'http://127.0.0.1:9'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/^eddy submit: \S+ imports eddy 9\.9\.9 \(\S+\), but this eddy is \S+ \(\S+\): the versions must agree/) });
    expect(await run(['plan', dirname(other)])).toEqual({ code: 2, stderr: `eddy plan: ${dirname(other)} is a folder: name the job module in it (the compiled job.js)\n` });
  });
});
