/** `eddy status <id>`: the job manager's record of a job, with its runner's own status while it runs. */
import * as z from 'zod';
import { clientCommand } from './client-command.js';

export const statusCommand = clientCommand({
  name: 'status',
  summary: "print a job's state, options, savepoints and runner status (JSON)",
  usage: `Usage: eddy status <id>

Prints, as JSON, what the job manager knows of the job (state, pid, exit code, failure, log file,
options, savepoints) and, while it runs, the runner's own status (records, restarts, checkpoints).
`,
  positionals: 1,
  flags: {},
  schema: z.strictObject({}),
  async run(client, _options, [id]) {
    console.log(JSON.stringify(await client.request('GET', `/v1/jobs/${encodeURIComponent(id!)}`), null, 2));
    return 0;
  },
});
