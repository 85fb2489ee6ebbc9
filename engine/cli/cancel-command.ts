/** `eddy cancel <id>`: ends a job without a savepoint (SIGTERM to its runner) and waits until it has. */
import * as z from 'zod';
import { durationMs } from '../config/units.js';
import { clientCommand, waitForEnd } from './client-command.js';

export const cancelCommand = clientCommand({
  name: 'cancel',
  summary: 'cancel a job: no savepoint; the runner commits what it has and leaves its group',
  usage: `Usage: eddy cancel <id> [--detached] [--timeout D] [--json]

Cancels a job: the job manager sends SIGTERM to its runner, which finishes the batch in hand,
commits its open Kafka transactions and leaves its consumer group (exactly-once either way); no
savepoint is taken. Waits until the job has ended and prints its final state.

Options:
  --detached           return once the job manager has accepted the request
  --timeout D          how long to wait for the end (default 60s)
  --json               print {"id", "state"}: the final state (with --detached, the state then)
`,
  positionals: 1,
  flags: { detached: { type: 'boolean' }, timeout: { type: 'string' }, json: { type: 'boolean' } },
  schema: z.strictObject({ detached: z.boolean().default(false), timeout: durationMs.prefault('60s'), json: z.boolean().default(false) }),
  async run(client, options, [id]) {
    const path = `/v1/jobs/${encodeURIComponent(id!)}`;
    const print = (state: string): void => console.log(options.json ? JSON.stringify({ id, state }) : state);
    const accepted = await client.request<{ state: string }>('POST', `${path}/cancel`, {});
    if (options.detached) {
      print(accepted.state);
      return 0;
    }
    const end = await waitForEnd(client, id!, options.timeout);
    print(end.state);
    return end.state === 'cancelled' ? 0 : 1;
  },
});
