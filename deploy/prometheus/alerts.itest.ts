/**
 * The alert rules with the real promtool (Debian's, from deploy/local/prometheus-binary.ts as the
 * dashboards' Prometheus test gets it): the rules file and the PrometheusRule's rules pass
 * `promtool check rules`, and `promtool test rules` runs eddy-alerts.test.yml, where each alert fires
 * on synthetic series that should set it off and stays quiet on ones that should not. The same test
 * file is run against rules made too eager, to show it can fail. Both Prometheus setups of deploy/
 * (Compose, and the Kubernetes base) load the rules: each config, with the files its container
 * mounts laid out as there, passes `promtool check config`, which reads the rule files it names.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { ensurePrometheus, type PrometheusTools } from '../local/prometheus-binary.js';
import { composeFiles, configMapFiles } from '../testing/mounted-files.js';

const here = dirname(fileURLToPath(import.meta.url));
const RULES = join(here, 'eddy-alerts.yml');
const TESTS = join(here, 'eddy-alerts.test.yml');
let tools: PrometheusTools;
let dir: string;
type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- parsed YAML

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

  describe('loaded by both Prometheus setups of deploy/', () => {
    const deployDir = join(here, '..');
    const compose = parse(readFileSync(join(deployDir, 'docker-compose.yml'), 'utf8'), { merge: true }) as Obj;
    const k8s = parseAllDocuments(readFileSync(join(deployDir, 'k8s', 'prometheus.yaml'), 'utf8')).map((d) => d.toJS() as Obj)
      .concat(parseAllDocuments(readFileSync(join(deployDir, 'k8s', 'prometheus-rules.yaml'), 'utf8')).map((d) => d.toJS() as Obj));
    const pod = k8s.find((r) => r.kind === 'Deployment' && r.metadata.name === 'prometheus')!.spec.template.spec as Obj;
    const setups = {
      compose: { files: composeFiles(compose.services.prometheus, deployDir), args: compose.services.prometheus.command as string[] },
      k8s: { files: configMapFiles(pod, pod.containers[0], k8s), args: pod.containers[0].args as string[] },
    };

    /** The container's files under a folder of their own; returns the config's path there. */
    const layOut = (files: Map<string, string>, args: string[], leaveOut?: string): string => {
      const at = mkdtempSync(join(dir, 'setup-'));
      for (const [path, content] of files) {
        if (path === leaveOut) continue;
        mkdirSync(dirname(join(at, path)), { recursive: true });
        writeFileSync(join(at, path), content);
      }
      return join(at, args.find((a) => a.startsWith('--config.file='))!.slice('--config.file='.length));
    };

    it.each(Object.keys(setups) as (keyof typeof setups)[])('%s: promtool check config passes, having read the 8 rules', (name) => {
      const { files, args } = setups[name];
      const r = promtool('check', 'config', layOut(files, args));
      expect(r.status, r.output).toBe(0);
      expect(r.output).toContain('SUCCESS: 1 rule files found');
      expect(r.output).toContain('SUCCESS: 8 rules found');
    });

    it.each(Object.keys(setups) as (keyof typeof setups)[])('%s: and fails when the rules file is not where the config says', (name) => {
      const { files, args } = setups[name];
      const rules = [...files.keys()].find((p) => p.endsWith('/eddy-alerts.yml'))!;
      const r = promtool('check', 'config', layOut(files, args, rules));
      expect(r.status).not.toBe(0);
      expect(r.output).toMatch(/eddy-alerts\.yml" does not point to an existing file/);
    });
  });
});
