/**
 * The local broker's prerequisites: a Java 17+ runtime, Maven, and the Apache Kafka jars, resolved
 * from Maven Central through `deploy/local/pom.xml` into a cache folder on first use.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** `deploy/local/` in the source tree (this file is compiled to dist/deploy/local/). */
export const LOCAL_DEPLOY_DIR = findDeployDir(dirname(fileURLToPath(import.meta.url)));

/** A failure the user can fix; the CLI prints its message as one line. */
export class BrokerSetupError extends Error {
  override readonly name = 'BrokerSetupError';
}

function findDeployDir(from: string): string {
  for (let dir = from; dir !== dirname(dir); dir = dirname(dir)) {
    const candidate = join(dir, 'deploy', 'local');
    if (existsSync(join(candidate, 'pom.xml'))) return candidate;
  }
  throw new Error(`cannot find deploy/local/pom.xml above ${from}`);
}

/** The Apache Kafka version pinned in the POM: the single place it is written. */
export function kafkaVersion(): string {
  const pom = readFileSync(join(LOCAL_DEPLOY_DIR, 'pom.xml'), 'utf8');
  const m = /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(pom);
  if (!m?.[1]) throw new Error('deploy/local/pom.xml has no <kafka.version>');
  return m[1];
}

/** Checks that `java` runs and is 17 or newer; returns the major version. */
export function checkJava(): number {
  const r = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (r.error) {
    throw new BrokerSetupError('java not found on PATH: install a Java 17+ JDK (Debian: apt-get install openjdk-17-jdk-headless)');
  }
  const m = /version "(\d+)(?:\.(\d+))?/.exec(r.stderr);
  const major = m ? (m[1] === '1' ? Number(m[2]) : Number(m[1])) : NaN;
  if (!(major >= 17)) {
    throw new BrokerSetupError(`java ${m?.[1] ?? '(unknown version)'} found, but Apache Kafka needs Java 17 or newer: install a Java 17+ JDK`);
  }
  return major;
}

function checkMaven(): void {
  const r = spawnSync('mvn', ['-v'], { encoding: 'utf8' });
  if (r.error) {
    throw new BrokerSetupError('mvn not found on PATH: install Apache Maven (Debian: apt-get install maven); it fetches the Kafka jars once');
  }
}

function hasJars(libDir: string, version: string): boolean {
  return existsSync(libDir) && readdirSync(libDir).includes(`kafka_2.13-${version}.jar`);
}

/**
 * Makes sure the Kafka jars are in `libDir`, running Maven on first use. Prints one progress line
 * (updated in place on a terminal) while Maven downloads.
 */
export async function ensureKafkaJars(libDir: string, log: (line: string) => void): Promise<void> {
  const version = kafkaVersion();
  if (hasJars(libDir, version)) return;
  checkMaven();
  log(`Fetching Apache Kafka ${version} jars from Maven Central into ${libDir} (first run only)…`);
  const staging = `${libDir}.partial`;
  rmSync(staging, { recursive: true, force: true });
  const args = [
    '-B', '-f', join(LOCAL_DEPLOY_DIR, 'pom.xml'),
    'dependency:copy-dependencies', `-DoutputDirectory=${staging}`, '-DincludeScope=runtime',
  ];
  const output: string[] = [];
  let downloads = 0;
  const code = await new Promise<number>((resolve, reject) => {
    const mvn = spawn('mvn', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const onData = (chunk: Buffer): void => {
      const text = chunk.toString();
      output.push(text);
      const n = (text.match(/Downloaded from/g) ?? []).length;
      if (n > 0) {
        downloads += n;
        if (process.stderr.isTTY) process.stderr.write(`\r  downloaded ${downloads} files`);
      }
    };
    mvn.stdout.on('data', onData);
    mvn.stderr.on('data', onData);
    mvn.on('error', reject);
    mvn.on('close', (c) => resolve(c ?? 1));
  });
  if (process.stderr.isTTY && downloads > 0) process.stderr.write('\n');
  if (code !== 0 || !hasJars(staging, version)) {
    const tail = output.join('').split('\n').filter((l) => /ERROR/.test(l)).slice(0, 5).join('\n');
    throw new BrokerSetupError(`Maven could not fetch the Kafka jars (exit ${code}):\n${tail}`);
  }
  rmSync(libDir, { recursive: true, force: true });
  renameSync(staging, libDir);
  log(`  ${readdirSync(libDir).length} jars ready (${downloads} files downloaded).`);
}
