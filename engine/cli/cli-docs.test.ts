/**
 * docs/cli.md against the commands: the list of variables between its `env-variables` markers is
 * the one the naming rule gives for every command's flags, no two flags share a variable, none
 * takes the name of a variable that is not a flag, and every command with `--json` documents it.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { flagVariables, OTHER_VARIABLES } from '../config/flag-env.js';
import { COMMANDS } from './commands.js';

const docs = readFileSync(new URL('../../docs/cli.md', import.meta.url), 'utf8');
const JOB_COMMANDS = new Set(['run', 'plan', 'submit']);

/** The docs' table of variables, one row per command that has flags. */
function variableTable(): string {
  const rows = COMMANDS.filter((c) => Object.keys(c.flags).length > 0).map((c) => {
    const vars = Object.keys(c.flags).map((f) => flagVariables(c.name, f).map((v) => `\`${v}\``).join(' or '));
    if (JOB_COMMANDS.has(c.name)) vars.push(`\`EDDY_${c.name.toUpperCase()}_<OPTION>\` for each job option`);
    return `| \`eddy ${c.name}\` | ${vars.join(', ')} |`;
  });
  return ['| command | variables |', '|---|---|', ...rows].join('\n');
}

describe('docs/cli.md', () => {
  it('lists every variable the commands read', () => {
    const section = /<!-- env-variables -->\n([\s\S]*?)\n<!-- \/env-variables -->/.exec(docs)?.[1];
    expect(section, `docs/cli.md needs, between <!-- env-variables --> markers:\n${variableTable()}`).toBe(variableTable());
  });

  it('documents the variables that are not flags', () => {
    for (const name of OTHER_VARIABLES) expect(docs).toContain(`\`${name}\``);
  });

  it('gives every flag its own variable, none an existing one', () => {
    const owner = new Map<string, string>();
    for (const c of COMMANDS) {
      for (const flag of Object.keys(c.flags)) {
        const own = flagVariables(c.name, flag)[0]!;
        expect(owner.get(own), own).toBeUndefined();
        expect(OTHER_VARIABLES).not.toContain(own);
        owner.set(own, `${c.name} --${flag}`);
      }
    }
    expect(owner.get('EDDY_KAFKA_PORT')).toBe('kafka --port');
    expect(owner.get('EDDY_CLUSTER_PORT')).toBe('cluster --port');
  });

  it('documents --json for every command that has it', () => {
    const withJson = COMMANDS.filter((c) => 'json' in c.flags).map((c) => c.name);
    expect(withJson).toEqual(expect.arrayContaining(['jobs', 'plan', 'kafka', 'submit', 'list', 'status', 'cancel', 'stop', 'savepoint']));
    for (const name of withJson) expect(docs, name).toMatch(new RegExp(`^\\| \`eddy ${name}\\b[^\\n]*--json`, 'm'));
  });
});
