/** `eddy savepoint <id> [--dir DIR]`: a savepoint of a running job, which keeps running. */
import { resolve } from 'node:path';
import * as z from 'zod';
import { clientCommand } from './client-command.js';

export const savepointCommand = clientCommand({
  name: 'savepoint',
  summary: 'take a savepoint of a running job; prints its path',
  usage: `Usage: eddy savepoint <id> [--dir DIR] [--json]

Takes a savepoint of a running job (it keeps running) and prints its directory. Without --dir the
job manager picks <state-root>/jobs/<id>/savepoints/savepoint-<time>.

Options:
  --dir DIR            where to write it (a path on the job manager's machine)
  --json               print {"path", "tasks", "bytes", "createdAt"}
`,
  positionals: 1,
  flags: { dir: { type: 'string' }, json: { type: 'boolean' } },
  schema: z.strictObject({ dir: z.string().min(1).transform((p) => resolve(p)).optional(), json: z.boolean().default(false) }),
  async run(client, options, [id]) {
    const body = options.dir === undefined ? {} : { directory: options.dir };
    const savepoint = await client.request<{ path: string; tasks: number; bytes: number; createdAt: number }>('POST', `/v1/jobs/${encodeURIComponent(id!)}/savepoints`, body);
    if (options.json) {
      console.log(JSON.stringify(savepoint));
      return 0;
    }
    console.error(`savepoint of ${savepoint.tasks} task(s), ${savepoint.bytes} bytes`);
    console.log(savepoint.path);
    return 0;
  },
});
