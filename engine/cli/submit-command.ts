/**
 * `eddy submit <job>`: a job name, or the path of a job module (sent absolute: the job manager runs it
 * from its own host); runner and job options, validated by the job manager before it starts anything.
 */
import { resolve } from 'node:path';
import * as z from 'zod';
import { ClusterClientError } from '../cluster/cluster-client.js';
import type { Command } from './command.js';
import { clientCommand } from './client-command.js';
import { CliError, type FlagSpec } from './flags.js';
import { jobFlagSpec, jobOptionsHelp } from './job-flags.js';
import { resolveJob } from './job-registry.js';

const runnerFlags: FlagSpec = {
  brokers: { type: 'string' },
  parallelism: { type: 'string' },
  'state-backend': { type: 'string' },
  'group-id': { type: 'string' },
  bounded: { type: 'boolean' },
  'checkpoint-interval': { type: 'string' },
  'session-timeout': { type: 'string' },
  'from-savepoint': { type: 'string' },
};

const usage = (jobHelp = "  (run 'eddy submit <job> --help' for the job's options)"): string => `Usage: eddy submit <job|path/job.js> [options]

Submits a job to the job manager ('eddy cluster start'), which runs it as an 'eddy run' child
process, and prints the job id. The job manager validates every option before starting it.
<job> is a name from 'eddy jobs' or the path of a job module (a job in its own project, built):
the path must name the same file on the job manager's host (it is sent absolute), and the job's
eddy dependency must be the job manager's version.

Runner options (as for 'eddy run'):
  --brokers LIST         Kafka bootstrap servers (default: the job manager's --brokers)
  --parallelism N        member threads (default 1)
  --state-backend KIND   rocksdb (default) or memory
  --group-id ID          consumer group (default: the job's name)
  --bounded              read to the end offsets found at start, then finish
  --checkpoint-interval D  (default 5s)
  --session-timeout D    (default 30s)
  --from-savepoint DIR   start from a savepoint (a path the job manager can read)
  --config FILE, -D key=value  any option, as for every command
  --json                 print {"id"}

Job options:
${jobHelp}
`;

/** Option fields come back from the job manager as `options.<name>`: say them as the flag or variable that set them. */
function asFlag(e: ClusterClientError, where: (path: readonly PropertyKey[]) => string): CliError | ClusterClientError {
  const m = /^options\.([A-Za-z0-9]+)$/.exec(e.field ?? '');
  if (e.status !== 400 || !m) return e;
  return new CliError(e.message.replace(/^options\.[A-Za-z0-9]+:/, `${where([m[1]!])}:`));
}

/** The command for one job: its flags come from the job's own options schema, as for `eddy run`. */
function submitFor(jobFlags: FlagSpec, jobHelp?: string, jobModule?: string): Command {
  return clientCommand({
    name: 'submit',
    summary: 'submit a job to the job manager; prints its id',
    usage: usage(jobHelp),
    positionals: 1,
    flags: { ...runnerFlags, json: { type: 'boolean' }, ...jobFlags },
    schema: z.object({ fromSavepoint: z.string().min(1).transform((p) => resolve(p)).optional(), json: z.boolean().default(false) }).catchall(z.unknown()),
    async run(client, { json, ...options }, [job], where) {
      try {
        const { id } = await client.request<{ id: string }>('POST', '/v1/jobs', { job: jobModule ?? job, options });
        console.error(`Job has been submitted with JobID ${id}`);
        console.log(json ? JSON.stringify({ id }) : id);
        return 0;
      } catch (e) {
        throw e instanceof ClusterClientError ? asFlag(e, where) : e;
      }
    },
  });
}

const generic = submitFor({});

export const submitCommand: Command = {
  ...generic,
  async run(argv) {
    const [name] = argv;
    if (name === undefined || name.startsWith('-')) return generic.run(argv);
    // Loaded here too, for its options as flags; a path goes as the module's absolute path.
    const { path, def } = await resolveJob(name);
    return submitFor(jobFlagSpec(def.options), jobOptionsHelp(def.options), /^[a-z0-9-]+$/.test(name) ? undefined : path).run(argv);
  },
};
