import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BrokerSetupError, checkJava, ensureKafkaJars, kafkaVersion } from './broker-jars.js';
import { LocalBroker, brokerPaths, commandLine, isBrokerCommand, parsePsCommand, portIsFree, renderServerProperties } from './local-broker.js';

const tmpHome = (): string => mkdtempSync(join(tmpdir(), 'eddy-home-'));
const savedPath = process.env.PATH;
afterEach(() => {
  process.env.PATH = savedPath;
});

function listen(port: number): Promise<Server> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(port, '127.0.0.1', () => resolve(s));
  });
}

describe('local broker configuration', () => {
  it('pins a Kafka 4.x release in the POM', () => {
    expect(kafkaVersion()).toMatch(/^4\.\d+\.\d+$/);
  });

  it('renders a single-node KRaft config on loopback with transactions sized for one broker', () => {
    const props = renderServerProperties('/data/dir', 19092);
    const kv = new Map(
      props.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
    expect(kv.get('process.roles')).toBe('broker,controller');
    expect(kv.get('listeners')).toBe('PLAINTEXT://127.0.0.1:19092,CONTROLLER://127.0.0.1:19093');
    expect(kv.get('controller.quorum.voters')).toBe('1@127.0.0.1:19093');
    expect(kv.get('log.dirs')).toBe('/data/dir');
    expect(kv.get('auto.create.topics.enable')).toBe('false');
    expect(kv.get('offsets.topic.replication.factor')).toBe('1');
    expect(kv.get('transaction.state.log.replication.factor')).toBe('1');
    expect(kv.get('transaction.state.log.min.isr')).toBe('1');
    expect(props).not.toMatch(/@[A-Z_]+@/);
  });

  it('keeps its files under EDDY_HOME', () => {
    const home = tmpHome();
    const p = brokerPaths(home);
    expect(p.lib).toBe(join(home, 'kafka', `lib-${kafkaVersion()}`));
    expect(p.log).toBe(join(home, 'kafka', 'broker.log'));
  });
});

describe('the broker pid check', () => {
  // What `ps -ww -p <pid> -o command=` prints for the broker and for what else may hold its pid.
  const linux = {
    config: '/home/ana/.eddy/kafka/server.properties',
    broker: 'java -Xms256m -Xmx768m -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true -Dlog4j2.configurationFile=/home/ana/eddy/deploy/local/config/log4j2.properties -cp /home/ana/.eddy/kafka/lib-4.4.0/* kafka.Kafka /home/ana/.eddy/kafka/server.properties\n',
    zombie: '[java] <defunct>\n',
    other: '/usr/lib/systemd/systemd-journald\n',
    otherHome: 'java -Xms256m -Xmx768m -cp /srv/home/ana/.eddy/kafka/lib-4.4.0/* kafka.Kafka /srv/home/ana/.eddy/kafka/server.properties\n',
  };
  const macos = {
    config: '/Users/Ana Lima/.eddy/kafka/server.properties',
    broker: '/Library/Java/JavaVirtualMachines/temurin-17.jdk/Contents/Home/bin/java -Xms256m -Xmx768m -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true -Dlog4j2.configurationFile=/Users/Ana Lima/eddy/deploy/local/config/log4j2.properties -cp /Users/Ana Lima/.eddy/kafka/lib-4.4.0/* kafka.Kafka /Users/Ana Lima/.eddy/kafka/server.properties\n',
    zombie: '(java)\n',
    other: '/System/Library/CoreServices/Finder.app/Contents/MacOS/Finder\n',
    otherHome: '/usr/bin/java -cp /Users/Ana Lima/other/.eddy/kafka/lib-4.4.0/* kafka.Kafka /Users/Ana Lima/other/.eddy/kafka/server.properties\n',
  };

  it.each([['Linux (procps)', linux], ['macOS (BSD ps)', macos]])('reads the broker from ps on %s, and nothing else as it', (_system, ps) => {
    const broker = parsePsCommand(ps.broker);
    expect(broker).toBe(ps.broker.trim());
    expect(isBrokerCommand(broker!, ps.config)).toBe(true);
    // An exited broker not yet reaped, a process that got the pid again, the broker of another EDDY_HOME.
    for (const output of [ps.zombie, ps.other, ps.otherHome]) expect(isBrokerCommand(parsePsCommand(output)!, ps.config), output).toBe(false);
    // No such pid: ps prints nothing (and exits 1).
    expect(parsePsCommand('')).toBeUndefined();
    expect(parsePsCommand('\n')).toBeUndefined();
  });

  it('reads a command line from /proc and, as on macOS, from ps alike, and nothing once the process is gone', async () => {
    // A stand-in whose command line names kafka.Kafka and a config file, as the broker's does.
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)', 'kafka.Kafka', '/tmp/eddy-home/kafka/server.properties'], { stdio: 'ignore' });
    const pid = child.pid!;
    try {
      for (const useProc of [true, false]) {
        const cmd = commandLine(pid, useProc);
        expect(cmd, `useProc ${useProc}`).toContain('kafka.Kafka /tmp/eddy-home/kafka/server.properties');
        expect(isBrokerCommand(cmd!, '/tmp/eddy-home/kafka/server.properties'), `useProc ${useProc}`).toBe(true);
      }
    } finally {
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
    }
    expect(commandLine(pid, true)).toBeUndefined();
    expect(commandLine(pid, false)).toBeUndefined();
  });
});

describe('local broker start-up errors', () => {
  it('refuses a port in use with a one-line error naming the port', async () => {
    const server = await listen(0);
    const port = (server.address() as { port: number }).port;
    try {
      expect(await portIsFree(port)).toBe(false);
      const broker = new LocalBroker(brokerPaths(tmpHome()), () => undefined);
      const err = await broker.start({ port }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(BrokerSetupError);
      expect((err as Error).message).toMatch(new RegExp(`^port ${port} on 127\\.0\\.0\\.1 is in use.*--port`));
      expect((err as Error).message).not.toContain('\n');
    } finally {
      server.close();
    }
  });

  it('says what to install when java is missing', () => {
    process.env.PATH = '/nonexistent';
    expect(() => checkJava()).toThrow(/^java not found on PATH: install a Java 17\+ JDK/);
  });

  it('says what to install when mvn is missing and the jars are not cached', async () => {
    process.env.PATH = '/nonexistent';
    await expect(ensureKafkaJars(join(tmpHome(), 'lib'), () => undefined)).rejects.toThrow(/^mvn not found on PATH: install Apache Maven/);
  });

  it('finds java 17 or newer on this machine', () => {
    expect(checkJava()).toBeGreaterThanOrEqual(17);
  });
});
