/**
 * `eddy submit <job>`: runner and job options, validated by the job manager before it starts anything.
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

const usage = (jobHelp = "  (run 'eddy submit <job> --help' for the job's options)"): string => `Usage: eddy submit <job> [options]

Submits a job to the job manager ('eddy cluster start'), which runs it as an 'eddy run' child
process, and prints the job id. The job manager validates every option before starting it.

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

Job options:
${jobHelp}
`;

/** Job option fields come back from the job manager as `options.<name>`: say them as flags. */
function asFlag(e: ClusterClientError): CliError | ClusterClientError {
  const m = /^options\.([A-Za-z0-9]+)$/.exec(e.field ?? '');
  if (e.status !== 400 || !m) return e;
  const flag = `--${m[1]!.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
  return new CliError(e.message.replace(/^options\.[A-Za-z0-9]+:/, `${flag}:`));
}

/** The command for one job: its flags come from the job's own options schema, as for `eddy run`. */
function submitFor(jobFlags: FlagSpec, jobHelp?: string): Command {
  return clientCommand({
    name: 'submit',
    summary: 'submit a job to the job manager; prints its id',
    usage: usage(jobHelp),
    positionals: 1,
    flags: { ...runnerFlags, ...jobFlags },
    schema: z.object({ fromSavepoint: z.string().min(1).transform((p) => resolve(p)).optional() }).catchall(z.unknown()),
    async run(client, options, [job]) {
      try {
        const { id } = await client.request<{ id: string }>('POST', '/v1/jobs', { job, options });
        console.error(`Job has been submitted with JobID ${id}`);
        console.log(id);
        return 0;
      } catch (e) {
        throw e instanceof ClusterClientError ? asFlag(e) : e;
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
    if (!/^[a-z0-9-]+$/.test(name)) throw new CliError("submit takes a job name from 'eddy jobs', not a path: the job manager runs only the jobs it was started with");
    const { def } = await resolveJob(name);
    return submitFor(jobFlagSpec(def.options), jobOptionsHelp(def.options)).run(argv);
  },
};
