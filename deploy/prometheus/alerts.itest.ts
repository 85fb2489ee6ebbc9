/**
 * The alert rules with the real promtool (Debian's, from deploy/local/prometheus-binary.ts as the
 * dashboards' Prometheus test gets it): the rules file and the PrometheusRule's rules pass
 * `promtool check rules`, and `promtool test rules` runs eddy-alerts.test.yml, where each alert fires
 * on synthetic series that should set it off and stays quiet on ones that should not. The same test
 * file is run against rules made too eager, to show it can fail.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { ensurePrometheus, type PrometheusTools } from '../local/prometheus-binary.js';

const here = dirname(fileURLToPath(import.meta.url));
const RULES = join(here, 'eddy-alerts.yml');
const TESTS = join(here, 'eddy-alerts.test.yml');
let tools: PrometheusTools;
let dir: string;

const promtool = (...args: string[]): { status: number | null; output: string } => {
  const r = spawnSync(tools.promtool, args, { encoding: 'utf8', cwd: dir });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
};

beforeAll(() => {
  tools = ensurePrometheus({ log: (line) => console.log(`[prometheus] ${line}`) });
  dir = mkdtempSync(join(tmpdir(), 'eddy-alerts-'));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('alert rules', () => {
  it('pass promtool check rules, as a rules file and as the PrometheusRule\'s groups', () => {
    const rule = parse(readFileSync(join(here, '..', 'k8s', 'monitoring', 'prometheus-rule.yaml'), 'utf8')) as { spec: { groups: unknown[] } };
    const fromRule = join(dir, 'from-prometheus-rule.yml');
    writeFileSync(fromRule, stringify({ groups: rule.spec.groups }));
    for (const file of [RULES, fromRule]) {
      const r = promtool('check', 'rules', file);
      expect(r.status, r.output).toBe(0);
      expect(r.output).toContain('SUCCESS: 8 rules found');
    }
  });

  it('fire where they should and nowhere else on synthetic series (promtool test rules)', () => {
    copyFileSync(RULES, join(dir, 'eddy-alerts.yml'));
    copyFileSync(TESTS, join(dir, 'eddy-alerts.test.yml'));
    const r = promtool('test', 'rules', 'eddy-alerts.test.yml');
    expect(r.status, r.output).toBe(0);
    expect(r.output).toContain('SUCCESS');
  });

  it('and the same tests fail rules that fire too eagerly', () => {
    // Thresholds dropped: restarts at any count, watermarks "stalled" whenever input waits.
    const eager = readFileSync(RULES, 'utf8')
      .replace('increase(eddy_restarts_total[15m])) > 3', 'increase(eddy_restarts_total[15m])) >= 0')
      .replace('(changes(eddy_watermark_seconds[10m])) == 0', '(changes(eddy_watermark_seconds[10m])) >= 0');
    expect(eager).not.toBe(readFileSync(RULES, 'utf8'));
    writeFileSync(join(dir, 'eddy-alerts.yml'), eager);
    copyFileSync(TESTS, join(dir, 'eddy-alerts.test.yml'));
    const r = promtool('test', 'rules', 'eddy-alerts.test.yml');
    expect(r.status).not.toBe(0);
    expect(r.output).toMatch(/alertname: EddyRestarting/);
    expect(r.output).toMatch(/alertname: EddyWatermarkStalled/);
  });
});
