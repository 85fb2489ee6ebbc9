import { chmodSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tokenMatches } from '../http/json-api.js';
import { loadOrCreateToken, readToken } from './cluster-token.js';

describe('cluster token', () => {
  it('is generated once into a file only its user can read, then reused', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'eddy-token-')), 'nested', 'token');
    const first = loadOrCreateToken(path);
    expect(first.created).toBe(true);
    expect(first.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(join(path, '..')).mode & 0o777).toBe(0o700);
    expect(loadOrCreateToken(path)).toEqual({ token: first.token, created: false });
  });

  it('refuses a token file others can read, and one too short', () => {
    const dir = mkdtempSync(join(tmpdir(), 'eddy-token-'));
    const open = join(dir, 'open');
    writeFileSync(open, 'a-long-enough-token-value\n');
    chmodSync(open, 0o644);
    expect(() => readToken(open)).toThrow(/readable by other users: run 'chmod 600/);
    const short = join(dir, 'short');
    writeFileSync(short, 'abc', { mode: 0o600 });
    expect(() => readToken(short)).toThrow(/at least 16 characters/);
  });

  it('matches only the exact token', () => {
    expect(tokenMatches('secret-token-value', 'secret-token-value')).toBe(true);
    expect(tokenMatches('secret-token-valuE', 'secret-token-value')).toBe(false);
    expect(tokenMatches('secret', 'secret-token-value')).toBe(false);
    expect(tokenMatches(undefined, 'secret-token-value')).toBe(false);
  });
});
