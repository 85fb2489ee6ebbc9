import { spawnSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';

/** The machine a benchmark ran on, written next to its figures. */
export function machineFacts(): Record<string, string | number> {
  // `java -version` answers on stderr, `python3 --version` on stdout.
  const version = (cmd: string, args: string[]): string => {
    const r = spawnSync(cmd, args, { encoding: 'utf8' });
    return `${r.stdout ?? ''}${r.stderr ?? ''}`.split('\n')[0]!.trim() || 'unavailable';
  };
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    java: version('java', ['-version']),
    python: version('python3', ['--version']),
    kafka: 'Apache Kafka 4.4.0 (deploy/local, single-node KRaft)',
  };
}
