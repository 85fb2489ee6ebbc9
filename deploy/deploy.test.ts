/**
 * The Docker and Kubernetes files, checked without a Docker engine or a cluster: they parse, every
 * file they name exists, their ports agree with the code's defaults, every `eddy` command, flag and
 * job option they use is one the CLI accepts, every environment variable is defined where it
 * is used and read by the code where it is set (an `EDDY_*` one by the command it is set for),
 * both Prometheus setups load the alert rules, and the generated manifests (dashboards, alert
 * rules) are current.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { DEFAULT_BROKERS } from '../connectors/kafka/config.js';
import { kafkaVersion } from './local/broker-jars.js';
import { RunnerMonitor } from '../engine/runtime/runner-monitor.js';
import { startRunnerServer } from '../engine/runtime/runner-server.js';
import { eddyContainers, eddyCommandProblems, envProblems, runnerProbes, type Container } from './testing/deploy-checks.js';
import { composeFiles, configMapFiles, ruleFilePaths } from './testing/mounted-files.js';
import { GENERATED_MANIFESTS } from './k8s-manifests.js';

const deployDir = dirname(fileURLToPath(import.meta.url));
const root = resolve(deployDir, '..');
const k8sDir = join(deployDir, 'k8s');
const PORTS = { metrics: 9464, kafka: Number(DEFAULT_BROKERS.split(':')[1]), grafana: 3000, prometheus: 9090 };

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- parsed YAML, shapes checked by the assertions
const compose = parse(readFileSync(join(deployDir, 'docker-compose.yml'), 'utf8'), { merge: true }) as Obj;
const k8sFiles = readdirSync(k8sDir).filter((f) => f.endsWith('.yaml'));
const k8s: Obj[] = k8sFiles.filter((f) => f !== 'kustomization.yaml').flatMap((f) =>
  parseAllDocuments(readFileSync(join(k8sDir, f), 'utf8')).map((d) => {
    if (d.errors.length > 0) throw new Error(`${f}: ${d.errors[0]!.message}`);
    return d.toJS() as Obj;
  }),
);
const find = (kind: string, name: string): Obj => {
  const o = k8s.find((r) => r.kind === kind && r.metadata?.name === name);
  if (!o) throw new Error(`no ${kind} ${name} in deploy/k8s`);
  return o;
};
const containers: Container[] = eddyContainers(compose, k8s);
const flagValue = (c: Container, flag: string): string | undefined => c.args[c.args.indexOf(flag) + 1];

describe('deploy files', () => {
  it('parse, and kustomization lists exactly the other manifests', () => {
    const kustomization = parse(readFileSync(join(k8sDir, 'kustomization.yaml'), 'utf8')) as { resources: string[] };
    expect([...kustomization.resources].sort()).toEqual(k8sFiles.filter((f) => f !== 'kustomization.yaml').sort());
    expect(Object.keys(compose.services).sort()).toEqual(['generator', 'grafana', 'kafka', 'prometheus', 'runner', 'topics']);
    expect(k8s.map((r) => `${r.kind}/${r.metadata.name}`).sort()).toEqual([
      'ConfigMap/eddy-config', 'ConfigMap/eddy-grafana-dashboards', 'ConfigMap/prometheus-config', 'ConfigMap/prometheus-rules', 'Deployment/eddy-generator', 'Deployment/prometheus', 'Namespace/eddy', 'PersistentVolumeClaim/eddy-savepoints',
      'Service/eddy-runner', 'Service/eddy-runner-metrics', 'Service/prometheus', 'StatefulSet/eddy-runner',
    ]);
  });

  it('name only files that exist in the repository', () => {
    for (const svc of Object.values(compose.services) as Obj[]) {
      if (svc.build) expect(existsSync(join(deployDir, svc.build.context, svc.build.dockerfile)), svc.build.dockerfile).toBe(true);
      for (const v of (svc.volumes ?? []) as string[]) if (/^[./]/.test(v)) expect(existsSync(resolve(deployDir, v.split(':')[0]!)), v).toBe(true);
    }
    const dockerfile = readFileSync(join(deployDir, 'Dockerfile'), 'utf8');
    for (const [, args] of dockerfile.matchAll(/^COPY (?!--from)(.+)$/gm)) {
      for (const src of args!.trim().split(/\s+/).slice(0, -1)) expect(existsSync(join(root, src)), `COPY ${src}`).toBe(true);
    }
    // The image's entry point is the compiled CLI; the runtime stage keeps the POM it reads at start.
    expect(dockerfile).toMatch(/^ENTRYPOINT \["node", "\/app\/dist\/engine\/cli\/eddy\.js"\]$/m);
    expect(existsSync(join(root, 'engine', 'cli', 'eddy.ts'))).toBe(true);
    expect(dockerfile).toMatch(/^COPY --from=build \/app\/deploy\/local deploy\/local$/m);
    expect(dockerfile).toMatch(/^FROM node:20\b/m);
    expect(existsSync(join(deployDir, 'Dockerfile.dockerignore'))).toBe(true);
  });

  it('run the Kafka release that deploy/local pins', () => {
    const images = [compose.services.kafka.image, compose.services.topics.image, ...find('StatefulSet', 'eddy-runner').spec.template.spec.initContainers.map((c: Obj) => c.image)];
    for (const image of images) expect(image).toBe(`apache/kafka:${kafkaVersion()}`);
  });

  it('use only eddy commands, flags and job options the CLI accepts', async () => {
    expect(await eddyCommandProblems(['run', 'content-popularity', '--windw', '1m', '--slide', '20m'])).toEqual([
      'eddy run: unknown flag --windw',
      'eddy run content-popularity: job options rejected: --slide: must be positive and at most --window',
    ]);
    expect(await eddyCommandProblems(['serve'])).toEqual(["unknown command 'serve'"]);
    expect(containers.map((c) => c.where).sort()).toEqual(['compose generator', 'compose runner', 'k8s eddy-generator', 'k8s eddy-runner']);
    for (const c of containers) expect(await eddyCommandProblems(c.args), c.where).toEqual([]);
  });

  const configMapKeys = new Map(k8s.filter((r) => r.kind === 'ConfigMap').map((r) => [r.metadata.name as string, Object.keys(r.data)]));
  const dockerfileEnv = [...readFileSync(join(deployDir, 'Dockerfile'), 'utf8').matchAll(/^ENV (\w+)=/gm)].map((m) => m[1]!);
  const initContainers: Obj[] = find('StatefulSet', 'eddy-runner').spec.template.spec.initContainers;

  it('define every environment variable where it is used, and set only ones the code reads', async () => {
    expect(await envProblems(containers, initContainers, configMapKeys, dockerfileEnv, root)).toEqual([]);
  });

  it('set eddy\'s options by variables the command reads (from its flag definitions), so a mistyped one fails', async () => {
    // The same files, each with one name mistyped: on a container, in a ConfigMap it loads, as a key reference.
    const runner = containers.find((c) => c.where === 'k8s eddy-runner')!;
    const generator = containers.find((c) => c.where === 'k8s eddy-generator')!;
    const typo = (c: Container, change: Partial<Container>): Container[] => containers.map((x) => (x === c ? { ...x, ...change } : x));
    expect(await envProblems(typo(runner, { env: ['EDDY_RUN_PARALELISM'] }), initContainers, configMapKeys, dockerfileEnv, root)).toEqual([
      "k8s eddy-runner: EDDY_RUN_PARALELISM is set, but 'eddy run' reads no such variable (did you mean EDDY_RUN_PARALLELISM?)",
    ]);
    // A job option's variable is one the runner reads; another command's is not.
    expect(await envProblems(typo(runner, { env: ['EDDY_RUN_WINDOW'] }), initContainers, configMapKeys, dockerfileEnv, root)).toEqual([]);
    expect(await envProblems(typo(runner, { env: ['EDDY_GENERATE_RATE'] }), initContainers, configMapKeys, dockerfileEnv, root)).toEqual([
      "k8s eddy-runner: EDDY_GENERATE_RATE is set, but 'eddy run' reads no such variable",
    ]);
    const withKey = (key: string): Map<string, string[]> => new Map([...configMapKeys, ['eddy-config', [...configMapKeys.get('eddy-config')!, key]]]);
    expect(await envProblems(containers, initContainers, withKey('EDDY_BROKER'), dockerfileEnv, root)).toEqual([
      "ConfigMap eddy-config: EDDY_BROKER is set, but 'eddy generate' or 'eddy run' reads no such variable (did you mean EDDY_BROKERS?)",
    ]);
    // One ConfigMap for both: a key is fine when one of the commands that load it reads it.
    expect(await envProblems(containers, initContainers, withKey('EDDY_GENERATE_RATE'), dockerfileEnv, root)).toEqual([]);
    expect(await envProblems(typo(generator, { envRefs: [{ name: 'EDDY_GENERATE_PARTITIONS', configMap: 'eddy-config', key: 'INPUT_PARTITION' }] }), initContainers, configMapKeys, dockerfileEnv, root)).toEqual([
      'k8s eddy-generator: EDDY_GENERATE_PARTITIONS takes key INPUT_PARTITION of ConfigMap eddy-config, which has no such key',
    ]);
  });

  it('give eddy its brokers through EDDY_BROKERS, not arguments', () => {
    expect(containers.length).toBeGreaterThan(0);
    for (const c of containers) {
      expect(c.args.join(' '), c.where).not.toMatch(/--brokers|\$\(/);
      expect([...c.env, ...c.envFrom.flatMap((n) => configMapKeys.get(n) ?? [])], c.where).toContain('EDDY_BROKERS');
    }
    expect(compose['x-eddy'].environment.EDDY_BROKERS).toBe(`kafka:${PORTS.kafka}`);
    const generator = containers.find((c) => c.where === 'k8s eddy-generator')!;
    expect(generator.envRefs).toEqual([{ name: 'EDDY_GENERATE_PARTITIONS', configMap: 'eddy-config', key: 'INPUT_PARTITIONS' }]);
  });

  it('agree on ports with the code: metrics 9464, Kafka 9092, Grafana 3000, Prometheus 9090', () => {
    expect(PORTS.kafka).toBe(9092);
    expect(readFileSync(join(root, 'engine', 'cli', 'run-command.ts'), 'utf8')).toMatch(/metricsPort: .*\.default\(9464\)/);
    for (const c of containers) {
      // Containers must listen beyond loopback for Prometheus and Services to reach them.
      if (c.args[0] === 'run') expect([flagValue(c, '--metrics-port'), flagValue(c, '--http-host')], c.where).toEqual([String(PORTS.metrics), '0.0.0.0']);
    }
    const s = compose.services;
    expect(s.kafka.environment.KAFKA_LISTENERS).toContain(`PLAINTEXT://:${PORTS.kafka}`);
    expect(s.kafka.environment.KAFKA_ADVERTISED_LISTENERS).toContain(`PLAINTEXT://kafka:${PORTS.kafka}`);
    expect(s.topics.command).toContain(`kafka:${PORTS.kafka}`);
    expect(s.runner.ports).toEqual([`${PORTS.metrics}:${PORTS.metrics}`]);
    expect(s.prometheus.ports).toEqual([`${PORTS.prometheus}:${PORTS.prometheus}`]);
    expect(s.prometheus.command).toContain(`--web.listen-address=:${PORTS.prometheus}`);
    expect(s.grafana.ports).toEqual([`${PORTS.grafana}:${PORTS.grafana}`]);
    const composeProm = parse(readFileSync(join(deployDir, 'prometheus', 'prometheus.yml'), 'utf8')) as Obj;
    expect(composeProm.scrape_configs[0].static_configs[0].targets).toEqual([`runner:${PORTS.metrics}`]);
    expect(find('ConfigMap', 'eddy-config').data.EDDY_BROKERS).toMatch(new RegExp(`:${PORTS.kafka}$`));
    const runner = find('StatefulSet', 'eddy-runner').spec.template.spec.containers[0];
    expect(runner.ports).toEqual([{ name: 'metrics', containerPort: PORTS.metrics }]);
    for (const svc of ['eddy-runner', 'eddy-runner-metrics']) expect(find('Service', svc).spec.ports).toEqual([{ name: 'metrics', port: PORTS.metrics, targetPort: 'metrics' }]);
    expect(find('Service', 'prometheus').spec.ports[0].port).toBe(PORTS.prometheus);
    expect(find('Deployment', 'prometheus').spec.template.spec.containers[0].args).toContain(`--web.listen-address=:${PORTS.prometheus}`);
  });

  it('scrape every runner replica with a plain scrape config (Eddy names its job in job_name)', () => {
    const composeProm = parse(readFileSync(join(deployDir, 'prometheus', 'prometheus.yml'), 'utf8')) as Obj;
    const k8sProm = parse(find('ConfigMap', 'prometheus-config').data['prometheus.yml']) as Obj;
    for (const cfg of [composeProm, k8sProm]) {
      expect(cfg.scrape_configs.map((s: Obj) => Object.keys(s).filter((k) => /honor|relabel/.test(k)))).toEqual([[]]);
    }
    const sts = find('StatefulSet', 'eddy-runner');
    const headless = find('Service', sts.spec.serviceName);
    expect(headless.spec.clusterIP).toBe('None');
    expect(k8sProm.scrape_configs[0].dns_sd_configs).toEqual([{ names: [`${headless.metadata.name}.${headless.metadata.namespace}.svc.cluster.local`], type: 'A', port: PORTS.metrics, refresh_interval: '15s' }]);
    for (const svc of [headless, find('Service', 'eddy-runner-metrics')]) expect(sts.spec.template.metadata.labels).toMatchObject(svc.spec.selector);
    // A runner that is not ready (restoring, in a crash loop) is still scraped: that is when its metrics matter.
    expect(headless.spec.publishNotReadyAddresses).toBe(true);
    const prom = find('Deployment', 'prometheus').spec.template.spec;
    expect(prom.containers[0].args).toContain('--config.file=/etc/prometheus/prometheus.yml');
    expect(configMapFiles(prom, prom.containers[0], k8s).get('/etc/prometheus/prometheus.yml')).toBe(find('ConfigMap', 'prometheus-config').data['prometheus.yml']);
  });

  it('load the alert rules in both Prometheus setups: the rules file each config names is deploy/prometheus/eddy-alerts.yml', () => {
    const rules = readFileSync(join(deployDir, 'prometheus', 'eddy-alerts.yml'), 'utf8');
    const configFile = (args: string[]): string => args.find((a) => a.startsWith('--config.file='))!.slice('--config.file='.length);
    const prom = find('Deployment', 'prometheus').spec.template.spec;
    const setups = [
      { where: 'compose', files: composeFiles(compose.services.prometheus, deployDir), config: configFile(compose.services.prometheus.command) },
      { where: 'k8s', files: configMapFiles(prom, prom.containers[0], k8s), config: configFile(prom.containers[0].args) },
    ];
    for (const { where, files, config } of setups) {
      const text = files.get(config);
      expect(text, `${where}: ${config} is not mounted`).toBeDefined();
      const paths = ruleFilePaths(config, parse(text!) as { rule_files?: string[] });
      expect(paths, where).toHaveLength(1);
      // The very file, as it is: mounted in Compose, in a ConfigMap made from it for Kubernetes.
      expect(files.get(paths[0]!), `${where}: ${paths[0]}`).toBe(rules);
    }
    expect(find('ConfigMap', 'prometheus-rules').data).toEqual({ 'eddy-alerts.yml': rules });
  });

  it('probe runners for readiness on /readyz and liveness on /healthz, routes the runner serves', async () => {
    expect(runnerProbes(compose, k8s).map((p) => `${p.where} ${p.kind} ${p.path} ${p.port}`).sort()).toEqual([
      `compose runner healthcheck /readyz ${PORTS.metrics}`,
      'k8s eddy-runner liveness /healthz metrics',
      'k8s eddy-runner readiness /readyz metrics',
    ]);
    // The runner's own server, before any member has started: alive, not ready.
    const monitor = new RunnerMonitor({ job: 'j', groupId: 'g', parallelism: 1 });
    const server = await startRunnerServer({ host: '127.0.0.1', port: 0, monitor, views: [], stop: () => undefined, savepoint: () => Promise.reject(new Error('none')) });
    try {
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
      const ready = await fetch(`${server.url}/readyz`);
      expect({ status: ready.status, body: await ready.json() }).toEqual({ status: 503, body: { ready: false, reasons: ['member-0 has not started'] } });
    } finally {
      await server.close();
    }
  });

  it('carry the generated manifests as deploy/k8s-manifests.ts makes them now (no drift)', () => {
    for (const [path, make] of Object.entries(GENERATED_MANIFESTS)) {
      expect(readFileSync(join(root, path), 'utf8'), `${path} is stale: npx tsc -p tsconfig.json && node dist/deploy/k8s-manifests.js`).toBe(make(root));
    }
  });

  it('ship the Grafana dashboards as a ConfigMap: every dashboard of grafana/dashboards, as it is', () => {
    const cm = find('ConfigMap', 'eddy-grafana-dashboards');
    const dir = join(root, 'grafana', 'dashboards');
    const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
    expect(Object.keys(cm.data).sort()).toEqual(files);
    for (const f of files) expect(JSON.parse(cm.data[f]), f).toEqual(JSON.parse(readFileSync(join(dir, f), 'utf8')));
    expect(cm.metadata.labels.grafana_dashboard).toBe('1');
  });

  it('keep the Prometheus Operator\'s objects in an overlay: a PodMonitor of the runners and the alert rules', () => {
    // The base needs no CRD: nothing in it is of the Operator's API group.
    expect(k8s.filter((r) => String(r.apiVersion).startsWith('monitoring.coreos.com/'))).toEqual([]);
    const overlayDir = join(k8sDir, 'monitoring');
    const overlay = parse(readFileSync(join(overlayDir, 'kustomization.yaml'), 'utf8')) as Obj;
    expect(overlay.resources).toEqual(['../', 'pod-monitor.yaml', 'prometheus-rule.yaml']);
    expect(resolve(overlayDir, overlay.resources[0])).toBe(k8sDir);
    const podMonitor = parse(readFileSync(join(overlayDir, 'pod-monitor.yaml'), 'utf8')) as Obj;
    const rule = parseAllDocuments(readFileSync(join(overlayDir, 'prometheus-rule.yaml'), 'utf8')).map((d) => d.toJS() as Obj);
    expect([podMonitor.kind, ...rule.map((r) => r.kind)]).toEqual(['PodMonitor', 'PrometheusRule']);
    const sts = find('StatefulSet', 'eddy-runner');
    expect(sts.spec.template.metadata.labels).toMatchObject(podMonitor.spec.selector.matchLabels);
    const [endpoint] = podMonitor.spec.podMetricsEndpoints;
    expect(sts.spec.template.spec.containers[0].ports.map((p: Obj) => p.name)).toContain(endpoint.port);
    expect(endpoint.path).toBe('/metrics');
    expect(endpoint.honorLabels).toBeUndefined();
    const alerts = parse(readFileSync(join(deployDir, 'prometheus', 'eddy-alerts.yml'), 'utf8')) as Obj;
    expect(rule[0]!.spec.groups).toEqual(alerts.groups);
  });

  it('ship the alerts the docs promise: job down, restarts, crash loop, lag, checkpoints, dead letters, watermark', () => {
    const alerts = parse(readFileSync(join(deployDir, 'prometheus', 'eddy-alerts.yml'), 'utf8')) as Obj;
    const names = alerts.groups.flatMap((g: Obj) => g.rules.map((r: Obj) => r.alert));
    expect(names).toEqual(['EddyRunnerDown', 'EddyRestarting', 'EddyCrashLooping', 'EddyConsumerLagGrowing', 'EddyCheckpointsFailing', 'EddyCheckpointTooOld', 'EddyDeadLettersRising', 'EddyWatermarkStalled']);
    const documented = [...readFileSync(join(root, 'docs', 'metrics.md'), 'utf8').matchAll(/^\| `(Eddy\w+)` \|/gm)].map((m) => m[1]);
    expect(documented).toEqual(names);
    // Each alert is tested by promtool (alerts.itest.ts runs it), firing at least once.
    const tests = parse(readFileSync(join(deployDir, 'prometheus', 'eddy-alerts.test.yml'), 'utf8')) as Obj;
    const fired = new Set(tests.tests.flatMap((t: Obj) => t.alert_rule_test.filter((a: Obj) => a.exp_alerts.length > 0).map((a: Obj) => a.alertname)));
    expect([...fired].sort()).toEqual([...names].sort());
    // Nothing relies on the scrape job's name, which whoever configures Prometheus chooses.
    for (const r of alerts.groups.flatMap((g: Obj) => g.rules)) expect(r.expr, r.alert).not.toMatch(/job\s*[=!]~?\s*"/);
  });

  it('give every runner replica its own RocksDB volume and the same consumer group', () => {
    const sts = find('StatefulSet', 'eddy-runner');
    const runner = containers.find((c) => c.where === 'k8s eddy-runner')!;
    const [claim] = sts.spec.volumeClaimTemplates;
    const mount = sts.spec.template.spec.containers[0].volumeMounts.find((m: Obj) => m.name === claim.metadata.name);
    expect(mount?.mountPath).toBe(flagValue(runner, '--state-dir'));
    expect(claim.spec.accessModes).toEqual(['ReadWriteOnce']);
    // One fixed group id in the pod template: every replica joins the same group.
    expect(flagValue(runner, '--group-id')).toBe('content-popularity');
    expect(compose.services.runner.volumes).toEqual([`runner-state:${flagValue(containers.find((c) => c.where === 'compose runner')!, '--state-dir')}`]);
  });

  it('mount one savepoint volume, shared by every runner replica, at /savepoints', () => {
    const sts = find('StatefulSet', 'eddy-runner');
    const volume = sts.spec.template.spec.volumes.find((v: Obj) => v.name === 'savepoints');
    const claim = find('PersistentVolumeClaim', volume.persistentVolumeClaim.claimName);
    // Every replica writes the files of its own tasks into one savepoint directory.
    expect(claim.spec.accessModes).toEqual(['ReadWriteMany']);
    expect(sts.spec.template.spec.containers[0].volumeMounts.find((m: Obj) => m.name === 'savepoints')?.mountPath).toBe('/savepoints');
  });
});
