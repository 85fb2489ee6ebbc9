import * as z from 'zod';
import { buildJob, whereInJob } from '../api/job-definition.js';
import { describePlan, formatPlan } from '../graph/describe-plan.js';
import type { Command } from './command.js';
import { CliError, issueError, parseCommand } from './flags.js';
import { jobFlagSpec, jobOptionsHelp } from './job-flags.js';
import { resolveJob } from './job-registry.js';

const usage = (jobOptions = '') => `Usage: eddy plan <job|path/job.js> [--group-id ID] [--json] [job options]

Validates the job (a name from 'eddy jobs', or the path of a job module) and prints its stages:
what each stage's tasks read, the nodes each runs (a keyBy that repartitions ends a stage, so does a
top-K's local phase), and every internal topic the job uses under the group (repartition and
partials topics, changelogs). --json prints the same as JSON, with the job graph.

  --group-id ID   the consumer group the topics are named after (default: the job's name)
  --json          print JSON
${jobOptions ? `\nJob options:\n${jobOptions}\n` : ''}`;

const PLAN_KEYS = new Set(['groupId', 'json']);
const flags = { 'group-id': { type: 'string' }, json: { type: 'boolean' } } as const;

export const planCommand: Command = {
  name: 'plan',
  summary: "print a job's stages and internal topics",
  usage: usage(),
  flags,
  async run(argv) {
    const [name, ...rest] = argv;
    if (name === undefined || name === '--help' || name === '-h') {
      process.stdout.write(usage());
      return name === undefined ? 2 : 0;
    }
    const { path, def } = await resolveJob(name);
    const schema = z.object({ groupId: z.string().min(1).optional(), json: z.boolean().optional() }).catchall(z.unknown());
    const { options, help, where } = parseCommand(rest, { ...flags, ...jobFlagSpec(def.options) }, schema, { command: 'plan' });
    if (help) {
      process.stdout.write(usage(jobOptionsHelp(def.options)));
      return 0;
    }
    const jobInput = Object.fromEntries(Object.entries(options).filter(([k]) => !PLAN_KEYS.has(k)));
    const parsed = def.options.safeParse(jobInput);
    if (!parsed.success) throw issueError(parsed.error, where);
    let graph;
    try {
      graph = buildJob(def, jobInput).graph;
    } catch (e) {
      throw new CliError(`${path}: ${(e as Error).message}${whereInJob(e, path)}`);
    }
    const d = describePlan(graph, options.groupId ?? def.name);
    process.stdout.write(options.json ? `${JSON.stringify(d, null, 2)}\n` : formatPlan(d));
    return 0;
  },
};
