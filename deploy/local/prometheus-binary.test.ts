import { chmodSync, mkdirSync, mkdtempSync as mkdtempFs, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PrometheusSetupError, ensurePrometheus, prometheusHome } from './prometheus-binary.js';

const savedPath = process.env.PATH;
const made: string[] = [];
const mkdtempSync = (prefix: string): string => {
  const dir = mkdtempFs(prefix);
  made.push(dir);
  return dir;
};
afterEach(() => {
  process.env.PATH = savedPath;
  for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A folder with fake executables that print what the real ones print for --version. */
function fakeBin(tools: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'eddy-fake-bin-'));
  for (const [name, out] of Object.entries(tools)) {
    writeFileSync(join(dir, name), `#!/bin/sh\necho '${out}'\n`);
    chmodSync(join(dir, name), 0o755);
  }
  return dir;
}

describe('ensurePrometheus', () => {
  it('uses prometheus and promtool from PATH', () => {
    const bin = fakeBin({ prometheus: 'prometheus, version 2.42.0+ds (branch: debian/sid)', promtool: 'promtool, version 2.42.0+ds' });
    process.env.PATH = bin;
    expect(ensurePrometheus({ home: mkdtempSync(join(tmpdir(), 'eddy-prom-home-')) })).toEqual({
      prometheus: join(bin, 'prometheus'),
      promtool: join(bin, 'promtool'),
      version: '2.42.0+ds',
      source: 'PATH',
    });
  });

  it('uses an unpacked package in its cache folder without fetching again', () => {
    const home = mkdtempSync(join(tmpdir(), 'eddy-prom-home-'));
    const usrBin = join(home, 'root', 'usr', 'bin');
    mkdirSync(usrBin, { recursive: true });
    const fake = fakeBin({ prometheus: 'prometheus, version 2.42.0+ds', promtool: 'promtool, version 2.42.0+ds' });
    for (const t of ['prometheus', 'promtool']) writeFileSync(join(usrBin, t), `#!/bin/sh\nexec ${join(fake, t)}\n`, { mode: 0o755 });
    process.env.PATH = '/nonexistent';
    expect(ensurePrometheus({ home })).toMatchObject({ prometheus: join(usrBin, 'prometheus'), version: '2.42.0+ds', source: join(home, 'root') });
  });

  it('says what to install when neither Prometheus nor apt-get is there', () => {
    process.env.PATH = mkdtempSync(join(tmpdir(), 'eddy-empty-path-'));
    expect(() => ensurePrometheus({ home: mkdtempSync(join(tmpdir(), 'eddy-prom-home-')) })).toThrow(PrometheusSetupError);
    expect(() => ensurePrometheus({ home: mkdtempSync(join(tmpdir(), 'eddy-prom-home-')) })).toThrow(/apt-get is missing.*install Prometheus 2\.x \(with promtool\)/);
  });

  it('keeps its files under $EDDY_HOME/prometheus', () => {
    expect(prometheusHome('/x/.eddy')).toBe('/x/.eddy/prometheus');
  });
});
