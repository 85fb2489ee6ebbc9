/**
 * What the job manager's client commands (`eddy submit|list|status|cancel|stop|savepoint`) share:
 * the `--url` and `--token-file` flags, the token lookup, and one-line errors (exit 1 when the job
 * manager refuses or cannot be reached, exit 2 for bad flags).
 */
import { existsSync } from 'node:fs';
import * as z from 'zod';
import { ClusterClient, ClusterClientError } from '../cluster/cluster-client.js';
import { defaultTokenPath, readToken } from '../cluster/cluster-token.js';
import type { Command } from './command.js';
import { CliError, parseCommand, type FlagSpec } from './flags.js';

export const DEFAULT_URL = 'http://127.0.0.1:8081';

/** Help lines for the flags every client command takes. */
export const CLIENT_HELP = `  --url URL            the job manager (default ${DEFAULT_URL})
  --token-file PATH    bearer token for POSTs (default: the token in $EDDY_TOKEN, else ${defaultTokenPath()})`;

const CLIENT_FLAGS: FlagSpec = { url: { type: 'string' }, 'token-file': { type: 'string' } };
const ClientOptions = z.object({
  url: z.url({ protocol: /^https?$/, error: 'expected an http:// URL' }).default(DEFAULT_URL),
  tokenFile: z.string().min(1).optional(),
});

/** `--token-file`, else `$EDDY_TOKEN`, else the default token file if there is one. */
function findToken(tokenFile: string | undefined): string | undefined {
  try {
    if (tokenFile !== undefined) return readToken(tokenFile);
    if (process.env.EDDY_TOKEN) return process.env.EDDY_TOKEN.trim();
    return existsSync(defaultTokenPath()) ? readToken(defaultTokenPath()) : undefined;
  } catch (e) {
    throw new CliError(`--token-file: ${(e as Error).message}`);
  }
}

export interface ClientCommandSpec<S extends z.ZodObject> {
  name: string;
  summary: string;
  /** Help text without the common flags (appended). */
  usage: string;
  /** How many positionals the command takes (a job id, a job name). */
  positionals: number;
  flags: FlagSpec;
  /** The command's own options (`url` and `tokenFile` are added). */
  schema: S;
  /** `where` names the flag or variable an option came from, for errors. */
  run(client: ClusterClient, options: z.output<S>, positionals: string[], where: (path: readonly PropertyKey[]) => string): Promise<number>;
}

/**
 * Builds a client command: parses and validates flags, then runs with a client of the job manager.
 *
 * @example
 * export const listCommand = clientCommand({ name: 'list', summary: 'list jobs', usage: 'Usage: eddy list\n', positionals: 0, flags: {}, schema: z.object({}),
 *   async run(client) { console.log(await client.request('GET', '/v1/jobs')); return 0; } });
 */
export function clientCommand<S extends z.ZodObject>(spec: ClientCommandSpec<S>): Command {
  const usage = `${spec.usage}\nJob manager:\n${CLIENT_HELP}\n`;
  const flags = { ...CLIENT_FLAGS, ...spec.flags };
  return {
    name: spec.name,
    summary: spec.summary,
    usage,
    flags,
    async run(argv) {
      if (argv.length === 0 && spec.positionals > 0) {
        process.stdout.write(usage);
        return 2;
      }
      const schema = spec.schema.extend(ClientOptions.shape);
      const { options, positionals, help, where } = parseCommand(argv, flags, schema, { command: spec.name, positionals: spec.positionals });
      if (help) {
        process.stdout.write(usage);
        return 0;
      }
      if (positionals.length < spec.positionals) throw new CliError(`missing argument: ${spec.usage.split('\n')[0]!.replace(/^Usage: /, '')}`);
      const { url, tokenFile, ...own } = options as { url: string; tokenFile?: string };
      const token = findToken(tokenFile);
      const client = new ClusterClient({ url, ...(token === undefined ? {} : { token }) });
      try {
        return await spec.run(client, own as z.output<S>, positionals, where);
      } catch (e) {
        if (!(e instanceof ClusterClientError)) throw e;
        console.error(`eddy ${spec.name}: ${e.message}`);
        return 1;
      }
    },
  };
}

const TERMINAL = new Set(['finished', 'failed', 'cancelled', 'stopped']);

/** Polls a job's status until it has ended (or the timeout passes); returns its last record. */
export async function waitForEnd(client: ClusterClient, id: string, timeoutMs: number): Promise<{ state: string; failure?: string | null }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await client.request<{ state: string; failure?: string | null }>('GET', `/v1/jobs/${encodeURIComponent(id)}`);
    if (TERMINAL.has(status.state)) return status;
    if (Date.now() > deadline) throw new ClusterClientError(`job ${id} is still ${status.state} after ${timeoutMs / 1000} s (see 'eddy status ${id}')`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
