/** `eddy savepoint <id> [--dir DIR]`: a savepoint of a running job, which keeps running. */
import { resolve } from 'node:path';
import * as z from 'zod';
import { clientCommand } from './client-command.js';

export const savepointCommand = clientCommand({
  name: 'savepoint',
  summary: 'take a savepoint of a running job; prints its path',
  usage: `Usage: eddy savepoint <id> [--dir DIR]

Takes a savepoint of a running job (it keeps running) and prints its directory. Without --dir the
job manager picks <state-root>/jobs/<id>/savepoints/savepoint-<time>.

Options:
  --dir DIR            where to write it (a path on the job manager's machine)
`,
  positionals: 1,
  flags: { dir: { type: 'string' } },
  schema: z.strictObject({ dir: z.string().min(1).transform((p) => resolve(p)).optional() }),
  async run(client, options, [id]) {
    const body = options.dir === undefined ? {} : { directory: options.dir };
    const savepoint = await client.request<{ path: string; tasks: number; bytes: number }>('POST', `/v1/jobs/${encodeURIComponent(id!)}/savepoints`, body);
    console.error(`savepoint of ${savepoint.tasks} task(s), ${savepoint.bytes} bytes`);
    console.log(savepoint.path);
    return 0;
  },
});
