/**
 * `eddy demo` as on a fresh machine, three times in a row: each time the demo starts a broker of its
 * own (a new EDDY_HOME, so new data, on a free port; the jars linked from the usual local broker),
 * shows a ranking, and on Ctrl-C stops everything it started, the broker included, and exits 0.
 * The shared broker is never touched.
 */
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalBroker, brokerPaths, commandLine } from '../../deploy/local/local-broker.js';
import { freeBrokerPort, freshEddyHome } from '../../deploy/local/testing/fresh-broker.js';
import { waitFor } from '../../connectors/kafka/testing/fixtures.js';
import { EDDY_BIN } from './testing/eddy-process.js';

const homes: string[] = [];
afterEach(async () => {
  // Whatever happened, no broker of this test is left running.
  for (const home of homes.splice(0)) {
    await new LocalBroker(brokerPaths(home), () => undefined).stop(10_000).catch(() => undefined);
    rmSync(home, { recursive: true, force: true });
  }
});

/** Runs the demo until it shows a ranking, then stops it as Ctrl-C does; returns what it printed. */
async function demoOnce(): Promise<{ ranking: string; code: number | null; stderr: string; brokerPid: number }> {
  const home = freshEddyHome();
  homes.push(home);
  const port = await freeBrokerPort();
  const child = spawn(process.execPath, [EDDY_BIN, 'demo', '--kafka-port', String(port), '--metrics-port', '0', '--window', '30s', '--slide', '5s'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, EDDY_HOME: home, EDDY_BROKERS: '' },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  let running = true;
  void exited.then(() => (running = false));
  try {
    await waitFor('a ranking on the demo screen', () => !running || /Top \d+ overall/.test(stdout), 90_000);
    expect(running, `the demo exited early:\n${stderr.slice(-2_000)}`).toBe(true);
    const brokerPid = Number(/is up at 127\.0\.0\.1:\d+ \(pid (\d+)/.exec(stderr)?.[1]);
    child.kill('SIGINT');
    const code = await Promise.race([exited, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 60_000))]);
    expect(code, `the demo did not stop within 60 s:\n${stderr.slice(-2_000)}`).not.toBe('hung');
    const frames = stdout.split('\nEddy demo').filter((f) => /Top \d+ overall/.test(f));
    return { ranking: frames[0] ?? '', code: code as number | null, stderr, brokerPid };
  } finally {
    child.kill('SIGKILL');
  }
}

describe('eddy demo on a fresh broker', () => {
  it('shows a ranking three times in a row, each time stopping the broker it started', async () => {
    for (let run = 1; run <= 3; run++) {
      const { ranking, code, stderr, brokerPid } = await demoOnce();
      expect(ranking, `run ${run}`).toMatch(/^\s+1\s+c-\d{6}\s+\d+\s+\d+$/m);
      expect(stderr, `run ${run}`).not.toMatch(/eddy demo: .*(failed|stopped; stopping)/);
      expect(code, `run ${run}: ${stderr.slice(-2_000)}`).toBe(0);
      expect(stderr, `run ${run}`).toContain('stopping the broker the demo started');
      expect(brokerPid, `run ${run}: the broker's pid in\n${stderr.slice(0, 1_000)}`).toBeGreaterThan(0);
      expect(commandLine(brokerPid) ?? '', `run ${run}: the broker is still running`).not.toContain('kafka.Kafka');
    }
  }, 240_000);
});
