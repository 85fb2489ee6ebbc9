import { Worker } from 'node:worker_threads';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildJob, loadJob } from './job-definition.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
// Worker threads load compiled modules (Node 20 has no TypeScript loader): dist/ is built by `npm test`.
const jobModule = join(root, 'dist', 'jobs', 'content-popularity', 'job.js');
const definitionModule = join(root, 'dist', 'engine', 'api', 'job-definition.js');

describe('jobs are loaded by path, never sent as closures', () => {
  it('a worker thread rebuilds the same graph and the functions for every node from the module path and options', async () => {
    const options = { top: 7, window: '5m', slide: '1m' };
    const here = buildJob(await loadJob(jobModule), options);
    const source = `
      const { parentPort, workerData } = require('node:worker_threads');
      import(workerData.definitionModule).then(async ({ loadJob, buildJob }) => {
        const built = buildJob(await loadJob(workerData.jobModule), workerData.options);
        parentPort.postMessage({ graph: built.graph, functions: [...built.functions].map(([id, f]) => [id, f.kind]) });
      });`;
    // Only plain data crosses: the module path and the options in, the graph out.
    const worker = new Worker(source, { eval: true, workerData: { jobModule, definitionModule, options } });
    const reply = await new Promise<{ graph: unknown; functions: [string, string][] }>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    await worker.terminate();
    expect(reply.graph).toEqual(JSON.parse(JSON.stringify(here.graph)));
    expect(reply.functions).toEqual([...here.functions].map(([id, f]) => [id, f.kind]));
    expect(reply.functions.map(([id]) => id)).toEqual(here.graph.nodes.map((n) => n.id));
  });

  it('refuses a module that is not a job', async () => {
    await expect(loadJob(definitionModule)).rejects.toThrow(/does not export a job/);
  });
});
