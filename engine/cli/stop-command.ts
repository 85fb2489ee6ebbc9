/** `eddy stop <id> [--savepoint DIR]`: a graceful stop through the runner's API, optionally with a savepoint. */
import { resolve } from 'node:path';
import * as z from 'zod';
import { durationMs } from '../config/units.js';
import { clientCommand, waitForEnd } from './client-command.js';

export const stopCommand = clientCommand({
  name: 'stop',
  summary: 'stop a job gracefully, with a savepoint if --savepoint DIR is given',
  usage: `Usage: eddy stop <id> [--savepoint DIR] [--detached] [--timeout D] [--json]

Stops a job through its runner's API. With --savepoint, the runner first takes a savepoint into
DIR (every task's committed state, consistent across its member threads) and processes nothing
after it; restart from it with 'eddy submit <job> --from-savepoint DIR' and a new --group-id.
Waits until the job has ended; prints the savepoint path (if any) and the final state.

Options:
  --savepoint DIR      take a savepoint into DIR first (a path on the job manager's machine)
  --detached           return once the stop is accepted
  --timeout D          how long to wait for the end (default 60s)
  --json               print {"id", "state", "savepoint"}: the final state (with --detached, the state
                       then) and the savepoint ({path, tasks, bytes, createdAt}, or null)
`,
  positionals: 1,
  flags: { savepoint: { type: 'string' }, detached: { type: 'boolean' }, timeout: { type: 'string' }, json: { type: 'boolean' } },
  schema: z.strictObject({
    savepoint: z.string().min(1).transform((p) => resolve(p)).optional(),
    detached: z.boolean().default(false),
    timeout: durationMs.prefault('60s'),
    json: z.boolean().default(false),
  }),
  async run(client, options, [id]) {
    const path = `/v1/jobs/${encodeURIComponent(id!)}`;
    const body = options.savepoint === undefined ? {} : { savepointDirectory: options.savepoint };
    const accepted = await client.request<{ state: string; savepoint?: { path: string } }>('POST', `${path}/stop`, body);
    const print = (state: string): void => {
      if (options.json) console.log(JSON.stringify({ id, state, savepoint: accepted.savepoint ?? null }));
      else console.log(`${accepted.savepoint ? `savepoint ${accepted.savepoint.path}\n` : ''}${state}`);
    };
    if (options.detached) {
      print(accepted.state);
      return 0;
    }
    const end = await waitForEnd(client, id!, options.timeout);
    print(end.state);
    return end.state === 'stopped' ? 0 : 1;
  },
});
