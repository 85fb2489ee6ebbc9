/**
 * Checks deploy.test.ts applies to the containers of docker-compose.yml and deploy/k8s that run the
 * Eddy image: their `eddy` command lines against the CLI's own commands and job schemas, and their
 * environment against what the code reads. Kept apart so the test reads as a list of properties.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildJob, type JobDefinition } from '../../engine/api/job-definition.js';
import { COMMANDS } from '../../engine/cli/commands.js';
import { closest } from '../../engine/cli/did-you-mean.js';
import { commandVariables, type FlagSpec } from '../../engine/cli/flags.js';
import { jobFlagSpec, jobOptionList } from '../../engine/cli/job-flags.js';
import { runCommand } from '../../engine/cli/run-command.js';

/** The image deploy/Dockerfile builds, as compose and the manifests name it. */
export const EDDY_IMAGE = 'eddy:latest';
const ROOT = join(import.meta.dirname, '..', '..');

export interface Container {
  /** e.g. `compose runner`, `k8s eddy-runner`. */
  where: string;
  /** Arguments after the image's entry point (`eddy`). */
  args: string[];
  /** Variables set on the container itself. */
  env: string[];
  /** ConfigMaps whose keys become variables (k8s `envFrom`). */
  envFrom: string[];
  /** Variables (of `env`) taken from one key of a ConfigMap (k8s `valueFrom.configMapKeyRef`). */
  envRefs: { name: string; configMap: string; key: string }[];
}

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- parsed YAML

/** Every container that runs the Eddy image, in compose services and k8s workloads. */
export function eddyContainers(compose: Obj, k8s: Obj[]): Container[] {
  const fromCompose = Object.entries(compose.services as Record<string, Obj>)
    .filter(([, s]) => s.image === EDDY_IMAGE)
    .map(([name, s]) => ({ where: `compose ${name}`, args: (s.command ?? []) as string[], env: Object.keys(s.environment ?? {}), envFrom: [], envRefs: [] }));
  const fromK8s = k8s
    .filter((r) => r.kind === 'Deployment' || r.kind === 'StatefulSet')
    .flatMap((r) => (r.spec.template.spec.containers as Obj[]).filter((c) => c.image === EDDY_IMAGE).map((c) => ({
      where: `k8s ${r.metadata.name}`,
      args: (c.args ?? []) as string[],
      env: ((c.env ?? []) as Obj[]).map((e) => e.name as string),
      envFrom: ((c.envFrom ?? []) as Obj[]).map((e) => e.configMapRef?.name as string),
      envRefs: ((c.env ?? []) as Obj[]).filter((e) => e.valueFrom?.configMapKeyRef).map((e) => ({
        name: e.name as string, configMap: e.valueFrom.configMapKeyRef.name as string, key: e.valueFrom.configMapKeyRef.key as string,
      })),
    })));
  return [...fromCompose, ...fromK8s];
}

/** An HTTP probe of a container running `eddy run`: Kubernetes' readiness and liveness probes, Compose's healthcheck. */
export interface Probe {
  where: string;
  kind: 'readiness' | 'liveness' | 'healthcheck';
  path: string;
  /** A number, or a named container port (k8s). */
  port: number | string;
}

/** Every probe of every runner container; a Compose healthcheck is read from the URL in its command. */
export function runnerProbes(compose: Obj, k8s: Obj[]): Probe[] {
  const fromCompose = Object.entries(compose.services as Record<string, Obj>)
    .filter(([, s]) => s.image === EDDY_IMAGE && s.command?.[0] === 'run' && s.healthcheck)
    .map(([name, s]): Probe => {
      const url = /https?:\/\/[^/:'"\s]+:(\d+)(\/[^'"\s)]*)/.exec(([] as string[]).concat(s.healthcheck.test).join(' '));
      return { where: `compose ${name}`, kind: 'healthcheck', path: url?.[2] ?? '(no URL)', port: Number(url?.[1]) };
    });
  const fromK8s = k8s
    .filter((r) => r.kind === 'Deployment' || r.kind === 'StatefulSet')
    .flatMap((r) => (r.spec.template.spec.containers as Obj[]).filter((c) => c.image === EDDY_IMAGE && c.args?.[0] === 'run').flatMap((c) =>
      (['readiness', 'liveness'] as const).filter((kind) => c[`${kind}Probe`]).map((kind): Probe => {
        const get = c[`${kind}Probe`].httpGet as Obj | undefined;
        return { where: `k8s ${r.metadata.name}`, kind, path: get?.path ?? '(not httpGet)', port: get?.port };
      }),
    ));
  return [...fromCompose, ...fromK8s];
}

const camel = (flag: string): string => flag.replace(/^--/, '').replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
const usageFlags = (usage: string): Set<string> => new Set(usage.match(/--[a-z][a-z-]*/g) ?? []);

/** A job of jobs/ by name, from its sources; undefined when there is none. */
async function shippedJob(name: string): Promise<JobDefinition | undefined> {
  const path = join(ROOT, 'jobs', name, 'job.ts');
  return existsSync(path) ? ((await import(pathToFileURL(path).href)) as { default: JobDefinition }).default : undefined;
}

/** The commands whose second argument is a job, whose options are flags too. */
const JOB_COMMANDS = new Set(['run', 'plan', 'submit']);

/**
 * The environment variables `eddy <args>` reads, derived from the command's flag definitions (and
 * its job's options) by the CLI's own naming rule (engine/config/flag-env.ts), with Eddy's
 * variables that are not flags.
 */
export async function variablesEddyReads(args: readonly string[]): Promise<Set<string>> {
  const [name, jobName] = args;
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) return new Set();
  const job = JOB_COMMANDS.has(command.name) && jobName !== undefined ? await shippedJob(jobName) : undefined;
  const flags: FlagSpec = { ...command.flags, ...(job ? jobFlagSpec(job.options) : {}) };
  return commandVariables(command.name, flags);
}

/** What the CLI would reject in `eddy <args>`: an unknown command, flag, job or job option value. */
export async function eddyCommandProblems(args: readonly string[]): Promise<string[]> {
  const [name, ...rest] = args;
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) return [`unknown command '${name}'`];
  const flags = usageFlags(command.usage);
  let job: JobDefinition | undefined;
  if (command === runCommand) {
    const jobName = rest.shift() ?? '';
    job = await shippedJob(jobName);
    if (!job) return [`unknown job '${jobName}'`];
    for (const o of jobOptionList(job.options)) flags.add(o.flag);
  }
  const problems: string[] = [];
  const jobInput: Record<string, string> = {};
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    if (!arg.startsWith('-')) continue;
    if (!flags.has(arg)) problems.push(`eddy ${name}: unknown flag ${arg}`);
    const value = rest[i + 1];
    if (value !== undefined && !value.startsWith('--')) i++;
    if (job && jobOptionList(job.options).some((o) => o.flag === arg) && value !== undefined) jobInput[camel(arg)] = value;
  }
  if (job) {
    try {
      buildJob(job, jobInput); // parses the options as `eddy run` does, then validates the graph
    } catch (e) {
      // Options fail as a ZodError (name the flag, as `eddy run` does); the graph as a plain Error.
      const issue = (e as { issues?: { path: PropertyKey[]; message: string }[] }).issues?.[0];
      const reason = issue ? `--${String(issue.path[0]).replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}: ${issue.message}` : (e as Error).message;
      problems.push(`eddy run ${job.name}: job options rejected: ${reason}`);
    }
  }
  return problems;
}

/** Environment variable names the code reads (`process.env.NAME`), outside tests. */
export function variablesTheCodeReads(root = ROOT): Set<string> {
  const names = new Set<string>();
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, e.name);
      if (e.isDirectory() && e.name !== 'node_modules') walk(path);
      else if (/(?<!\.i?test)\.ts$/.test(e.name)) for (const m of readFileSync(path, 'utf8').matchAll(/process\.env\.([A-Z_][A-Z0-9_]*)/g)) names.add(m[1]!);
    }
  };
  for (const dir of ['engine', 'connectors', 'jobs', 'deploy']) walk(join(root, dir));
  return names;
}

/**
 * Every `$(NAME)` / `$NAME` a container uses is defined for it; every ConfigMap key a variable is
 * taken from exists; every `EDDY_*` variable set for an Eddy container (on it, through a ConfigMap
 * it loads, or in the Dockerfile) is one that the `eddy` command it runs reads (for a ConfigMap or
 * the Dockerfile: one of the commands that get it), so a mistyped name fails; every other variable
 * set is read by the code or used in arguments.
 */
export async function envProblems(containers: Container[], others: Obj[], configMaps: Map<string, string[]>, dockerfileEnv: string[], root = ROOT): Promise<string[]> {
  const read = variablesTheCodeReads(root);
  const problems: string[] = [];
  const referenced = new Set<string>();
  const check = (where: string, text: string, defined: Set<string>): void => {
    for (const [, a, b] of text.matchAll(/\$\((\w+)\)|\$\{?([A-Z_][A-Z0-9_]*)/g)) {
      const v = (a ?? b)!;
      referenced.add(v);
      if (!defined.has(v)) problems.push(`${where}: uses $${v}, which is not defined there`);
    }
  };
  const definedBy = (env: string[], envFrom: string[]): Set<string> => new Set([...env, ...envFrom.flatMap((n) => configMaps.get(n) ?? [`(missing ConfigMap ${n})`])]);
  for (const c of containers) check(c.where, c.args.join(' '), definedBy([...c.env, ...dockerfileEnv], c.envFrom));
  for (const o of others) {
    check(`container ${o.name}`, [...(o.command ?? []), ...(o.args ?? [])].join(' '), definedBy(((o.env ?? []) as Obj[]).map((e) => e.name as string), ((o.envFrom ?? []) as Obj[]).map((e) => e.configMapRef?.name as string)));
  }
  for (const c of containers) {
    for (const r of c.envRefs) if (!(configMaps.get(r.configMap) ?? []).includes(r.key)) problems.push(`${c.where}: ${r.name} takes key ${r.key} of ConfigMap ${r.configMap}, which has no such key`);
  }

  const reads = new Map(await Promise.all(containers.map(async (c) => [c, await variablesEddyReads(c.args)] as const)));
  const unread = (where: string, v: string, by: Container[]): void => {
    const known = new Set(by.flatMap((c) => [...reads.get(c)!]));
    if (known.has(v)) return;
    const guess = closest(v, [...known]);
    const commands = [...new Set(by.map((c) => `'eddy ${c.args[0] ?? ''}'`))].join(' or ');
    problems.push(`${where}: ${v} is set, but ${commands} reads no such variable${guess ? ` (did you mean ${guess}?)` : ''}`);
  };
  const loading = (configMap: string): Container[] => containers.filter((c) => c.envFrom.includes(configMap));
  for (const c of containers) for (const v of c.env.filter((n) => n.startsWith('EDDY_'))) unread(c.where, v, [c]);
  for (const [name, keys] of configMaps) for (const v of keys.filter((k) => k.startsWith('EDDY_') && loading(name).length > 0)) unread(`ConfigMap ${name}`, v, loading(name));
  for (const v of dockerfileEnv.filter((n) => n.startsWith('EDDY_'))) unread('Dockerfile', v, containers);

  const set = [...new Set([...containers.flatMap((c) => c.env), ...dockerfileEnv, ...[...configMaps.entries()].filter(([n]) => loading(n).length > 0).flatMap(([, keys]) => keys)])];
  for (const v of set) if (!v.startsWith('EDDY_') && !read.has(v) && !referenced.has(v)) problems.push(`${v} is set but neither read by the code nor used in any arguments`);
  return problems;
}
