import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CliError } from './flags.js';
import { defaultStateDir, runnerStateDir } from './runner-state-dir.js';

const children: { kill(): boolean }[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill();
});

const home = (): string => mkdtempSync(join(tmpdir(), 'eddy-state-home-'));
const mode = (path: string): number => statSync(path).mode & 0o777;

describe("the runner's state folder", () => {
  it('defaults to $EDDY_HOME/state/<group>, readable by the user alone, even when it existed before', () => {
    const h = home();
    expect(defaultStateDir('content-popularity', h)).toBe(join(h, 'state', 'content-popularity'));
    expect(mode(join(h, 'state'))).toBe(0o700);
    expect(mode(join(h, 'state', 'content-popularity'))).toBe(0o700);
    mkdirSync(join(h, 'state', 'older'), { mode: 0o755 });
    expect(mode(join(h, 'state', 'older'))).toBe(0o755);
    defaultStateDir('older', h);
    expect(mode(join(h, 'state', 'older'))).toBe(0o700);
    // A group id is a name, not a path.
    expect(defaultStateDir('team/../cp', h)).toBe(join(h, 'state', 'team%2F..%2Fcp'));
  });

  it('is claimed for this process, and a folder another live runner holds is a CLI error naming both', async () => {
    const given = home();
    expect(runnerStateDir(given, 'cp')).toBe(given);
    expect(readFileSync(join(given, 'runner.pid'), 'utf8')).toMatch(new RegExp(`^${process.pid} `));

    const held = home();
    const other = spawn('sleep', ['30']);
    children.push(other);
    await new Promise((r) => other.once('spawn', r));
    writeFileSync(join(held, 'runner.pid'), `${other.pid} a1b2c3d4e5f6`);
    expect(() => runnerStateDir(held, 'cp')).toThrow(CliError);
    expect(() => runnerStateDir(held, 'cp')).toThrow(`state folder ${held} is in use by another runner (process ${other.pid}): give each runner its own --state-dir`);
  });
});
