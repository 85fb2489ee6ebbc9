/**
 * The files a container sees, read from the deploy files themselves: what a Compose service's bind
 * mounts put where, and what a Kubernetes container's ConfigMap volumes (plain or projected) put
 * where. deploy.test.ts and the promtool test use them to follow a config file to the files it names.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { posix, resolve } from 'node:path';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- parsed YAML

/**
 * A Compose service's bind mounts of files and folders of the repository: path in the container →
 * path on the host (`composeDir` is the compose file's folder, which relative sources start from).
 *
 * @example
 * composeMounts(compose.services.prometheus, deployDir).get('/etc/prometheus/prometheus.yml') // …/deploy/prometheus/prometheus.yml
 */
export function composeMounts(service: Obj, composeDir: string): Map<string, string> {
  const mounts = new Map<string, string>();
  for (const v of (service.volumes ?? []) as string[]) {
    const [source, target] = v.split(':');
    if (source !== undefined && target !== undefined && /^[./]/.test(source)) mounts.set(target, resolve(composeDir, source));
  }
  return mounts;
}

/**
 * The files a Kubernetes container gets from ConfigMaps (a `configMap` volume, or `projected` with
 * ConfigMap sources; `items` and `subPath` honoured): path in the container → content.
 *
 * @example
 * const files = configMapFiles(deployment.spec.template.spec, container, configMaps);
 * parse(files.get('/etc/prometheus/prometheus.yml')!);
 */
export function configMapFiles(podSpec: Obj, container: Obj, configMaps: readonly Obj[]): Map<string, string> {
  const files = new Map<string, string>();
  for (const mount of (container.volumeMounts ?? []) as Obj[]) {
    const volume = ((podSpec.volumes ?? []) as Obj[]).find((v) => v.name === mount.name);
    const sources: Obj[] = volume?.configMap ? [volume.configMap] : ((volume?.projected?.sources ?? []) as Obj[]).flatMap((s) => (s.configMap ? [s.configMap] : []));
    for (const source of sources) {
      const data = (configMaps.find((c) => c.metadata?.name === source.name)?.data ?? {}) as Record<string, string>;
      const items = ((source.items ?? Object.keys(data).map((key) => ({ key, path: key }))) as { key: string; path: string }[]);
      for (const { key, path } of items) {
        const content = data[key];
        if (content === undefined) continue;
        if (mount.subPath === undefined) files.set(posix.join(mount.mountPath as string, path), content);
        else if (mount.subPath === path) files.set(mount.mountPath as string, content);
      }
    }
  }
  return files;
}

/** The files (not folders) a Compose service mounts, path in the container → content: what {@link configMapFiles} gives for a pod. */
export function composeFiles(service: Obj, composeDir: string): Map<string, string> {
  const files = [...composeMounts(service, composeDir)].filter(([, source]) => existsSync(source) && statSync(source).isFile());
  return new Map(files.map(([target, source]) => [target, readFileSync(source, 'utf8')]));
}

/**
 * A Prometheus config's rule files, resolved as Prometheus does (relative to the config file's folder).
 *
 * @example
 * ruleFilePaths('/etc/prometheus/prometheus.yml', { rule_files: ['eddy-alerts.yml'] }) // ['/etc/prometheus/eddy-alerts.yml']
 */
export function ruleFilePaths(configPath: string, config: { rule_files?: string[] }): string[] {
  return (config.rule_files ?? []).map((f) => posix.resolve(posix.dirname(configPath), f));
}
