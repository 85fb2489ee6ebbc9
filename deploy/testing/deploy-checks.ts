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
import { jobOptionList } from '../../engine/cli/job-flags.js';
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
}

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- parsed YAML

/** Every container that runs the Eddy image, in compose services and k8s workloads. */
export function eddyContainers(compose: Obj, k8s: Obj[]): Container[] {
  const fromCompose = Object.entries(compose.services as Record<string, Obj>)
    .filter(([, s]) => s.image === EDDY_IMAGE)
    .map(([name, s]) => ({ where: `compose ${name}`, args: (s.command ?? []) as string[], env: Object.keys(s.environment ?? {}), envFrom: [] }));
  const fromK8s = k8s
    .filter((r) => r.kind === 'Deployment' || r.kind === 'StatefulSet')
    .flatMap((r) => (r.spec.template.spec.containers as Obj[]).filter((c) => c.image === EDDY_IMAGE).map((c) => ({
      where: `k8s ${r.metadata.name}`,
      args: (c.args ?? []) as string[],
      env: ((c.env ?? []) as Obj[]).map((e) => e.name as string),
      envFrom: ((c.envFrom ?? []) as Obj[]).map((e) => e.configMapRef?.name as string),
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

/** What the CLI would reject in `eddy <args>`: an unknown command, flag, job or job option value. */
export async function eddyCommandProblems(args: readonly string[]): Promise<string[]> {
  const [name, ...rest] = args;
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) return [`unknown command '${name}'`];
  const flags = usageFlags(command.usage);
  let job: JobDefinition | undefined;
  if (command === runCommand) {
    const jobName = rest.shift() ?? '';
    const path = join(ROOT, 'jobs', jobName, 'job.ts');
    if (!existsSync(path)) return [`unknown job '${jobName}'`];
    job = ((await import(pathToFileURL(path).href)) as { default: JobDefinition }).default;
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
 * Every `$(NAME)` / `$NAME` a container uses is defined for it; every variable set for Eddy (on a
 * container, in the Dockerfile, or as a ConfigMap key) is read by the code or used in arguments.
 */
export function envProblems(containers: Container[], others: Obj[], configMaps: Map<string, string[]>, dockerfileEnv: string[], root = ROOT): string[] {
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
  const set = [...new Set([...containers.flatMap((c) => c.env), ...dockerfileEnv, ...[...configMaps.entries()].filter(([n]) => containers.some((c) => c.envFrom.includes(n))).flatMap(([, keys]) => keys)])];
  for (const v of set) if (!read.has(v) && !referenced.has(v)) problems.push(`${v} is set but neither read by the code nor used in any arguments`);
  return problems;
}
