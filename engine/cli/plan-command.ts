import * as z from 'zod';
import { buildJob } from '../api/job-definition.js';
import { describePlan, formatPlan } from '../graph/describe-plan.js';
import type { Command } from './command.js';
import { CliError, parseCommand } from './flags.js';
import { jobFlagSpec, jobOptionsHelp } from './job-flags.js';
import { resolveJob } from './job-registry.js';

const usage = (jobOptions = '') => `Usage: eddy plan <job> [--group-id ID] [--json] [job options]

Validates the job and prints its stages: what each stage's tasks read, the nodes each runs (a keyBy
that repartitions ends a stage, so does a top-K's local phase), and every internal topic the job uses
under the group (repartition and partials topics, changelogs). --json prints the same as JSON, with
the job graph.

  --group-id ID   the consumer group the topics are named after (default: the job's name)
  --json          print JSON
${jobOptions ? `\nJob options:\n${jobOptions}\n` : ''}`;

const PLAN_KEYS = new Set(['groupId', 'json']);

export const planCommand: Command = {
  name: 'plan',
  summary: "print a job's stages and internal topics",
  usage: usage(),
  async run(argv) {
    const [name, ...rest] = argv;
    if (name === undefined || name === '--help' || name === '-h') {
      process.stdout.write(usage());
      return name === undefined ? 2 : 0;
    }
    const { def } = await resolveJob(name);
    const schema = z.object({ groupId: z.string().min(1).optional(), json: z.boolean().optional() }).catchall(z.unknown());
    const { options, help } = parseCommand(rest, { 'group-id': { type: 'string' }, json: { type: 'boolean' }, ...jobFlagSpec(def.options) }, schema);
    if (help) {
      process.stdout.write(usage(jobOptionsHelp(def.options)));
      return 0;
    }
    const jobInput = Object.fromEntries(Object.entries(options).filter(([k]) => !PLAN_KEYS.has(k)));
    const parsed = def.options.safeParse(jobInput);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new CliError(`${issue.path.length === 1 ? `--${String(issue.path[0]).replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}` : 'options'}: ${issue.message}`);
    }
    const d = describePlan(buildJob(def, jobInput).graph, options.groupId ?? def.name);
    process.stdout.write(options.json ? `${JSON.stringify(d, null, 2)}\n` : formatPlan(d));
    return 0;
  },
};
