/**
 * Local state that outlived what it was built from. The quick start run twice across
 * `eddy kafka start --fresh` with the same (default) state folder: the second run must rebuild its
 * state rather than reopen the first broker's (which had every window fired, so all input went to the
 * late topic). A savepoint restored into a folder and changelog that hold later state of the same
 * group and tasks must start from the savepoint alone. Two runners on one folder: the second is
 * refused; a runner restarted after SIGKILL is not. The test runs a broker of its own (a second local
 * broker on free ports), so starting it afresh disturbs no other test.
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { GeneratedRecord } from '../../connectors/generator/watch-event-generator.js';
import { KafkaAdmin } from '../../connectors/kafka/admin.js';
import { createKafka } from '../../connectors/kafka/config.js';
import { KafkaSink } from '../../connectors/kafka/sink.js';
import { createTopics, readTopic, testClient, uniqueName, useBroker, waitFor } from '../../connectors/kafka/testing/fixtures.js';
import { LocalBroker, brokerPaths } from '../../deploy/local/local-broker.js';
import { freeBrokerPort } from '../../deploy/local/testing/fresh-broker.js';
import { expectExactTrending, generateWatchEvents, produceRecords } from '../../jobs/content-popularity/testing/trending-fixtures.js';
import { WINDOW, runEddy, startServingEddy } from '../cli/testing/eddy-process.js';
import { splitStderr } from '../log/testing/log-capture.js';

// Its own data and log; the jars of the usual local broker.
const home = mkdtempSync(join(tmpdir(), 'eddy-stale-home-'));
const broker = new LocalBroker({ ...brokerPaths(home), lib: brokerPaths().lib }, () => undefined);
let port: number | undefined;
/** The broker, started (afresh when asked) on the ports it had, and the test helpers pointed at it. */
async function brokerUp(fresh = false): Promise<string> {
  port ??= await freeBrokerPort();
  const { bootstrap } = await broker.start({ port, fresh });
  useBroker(bootstrap);
  return bootstrap;
}

const children: { kill: () => void }[] = [];
afterEach(() => children.splice(0).forEach((c) => c.kill()));
afterAll(async () => {
  useBroker(undefined);
  await broker.stop().catch(() => undefined);
  rmSync(home, { recursive: true, force: true });
});

/** Offsets written to a topic (its partitions' end offsets summed); 0 for a topic that does not exist. */
async function written(topic: string): Promise<bigint> {
  const admin = new KafkaAdmin(testClient());
  await admin.connect();
  try {
    return (await admin.offsets(topic)).reduce((n, o) => n + o.high, 0n);
  } catch {
    return 0n;
  } finally {
    await admin.disconnect();
  }
}

/** Runs `eddy <args>` to its end with `env` (a ServingEddy that is awaited). */
async function eddyWith(args: string[], env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  const p = startServingEddy(args, env);
  children.push(p);
  p.url.catch(() => undefined);
  return { code: await p.exitCode, stderr: p.stderr() };
}

describe('stale local state', () => {
  it('the quick start twice across a fresh broker, with the same state folder: both runs write the reference rankings', async () => {
    // The runner's default state folder, $EDDY_HOME/state/<group>, in a home of the test's own.
    const eddyHome = mkdtempSync(join(tmpdir(), 'eddy-stale-user-'));
    const stateDir = join(eddyHome, 'state', 'content-popularity');
    for (const life of ['first', 'second']) {
      const bootstrap = await brokerUp(true);
      const gen = await runEddy(['generate', '--brokers', bootstrap, '--count', '20000', '--seed', '1', '--start-time', '1763800000000', '--topic', 'watch-events', '--partitions', '2']);
      expect(gen.code, gen.stderr).toBe(0);
      const run = await eddyWith(['run', 'content-popularity', '--bounded', '--brokers', bootstrap, '--metrics-port', '0'], { EDDY_HOME: eddyHome });
      expect(run.code, run.stderr.slice(-3_000)).toBe(0);
      if (life === 'second') {
        expect(splitStderr(run.stderr).logs).toContainEqual(expect.objectContaining({
          level: 'warn', task: 'watch-events:0', msg: expect.stringMatching(/^the changelog is not the one local state was built from \(a new broker or a recreated topic\).*rebuilding from the changelog/),
        }));
      }
      // The reference from what the generator wrote (read back: the topic is the independent record).
      const produced: GeneratedRecord[] = (await readTopic('watch-events', 20_000, 0)).map((r) => ({ key: r.key?.toString() ?? null, value: r.value, kind: 'good' }));
      expect(produced).toHaveLength(20_000);
      await expectExactTrending(produced, { output: 'trending', dlq: 'watch-events-dlq' }, { size: 600_000, slide: 60_000, k: 10 });
      expect(await written('watch-events-late'), `${life} run: records sent to the late topic`).toBe(0n);
      expect(readdirSync(stateDir)).toContain('watch-events-0');
      expect(statSync(stateDir).mode & 0o777).toBe(0o700);
      await broker.stop();
    }
    rmSync(eddyHome, { recursive: true, force: true });
  }, 400_000);

  it('refuses a changed job graph on the state of the same group (naming the cause) instead of reading it wrongly; the graph it belongs to runs on', async () => {
    const bootstrap = await brokerUp();
    const input = uniqueName('graph-in');
    const group = uniqueName('graph');
    const stateDir = mkdtempSync(join(tmpdir(), 'eddy-graph-state-'));
    const gen = await runEddy(['generate', '--brokers', bootstrap, '--count', '2000', '--seed', '3', '--start-time', '1763800000000', '--topic', input, '--partitions', '2']);
    expect(gen.code, gen.stderr).toBe(0);
    const run = (window: string): Promise<{ code: number | null; stderr: string }> => eddyWith([
      'run', 'content-popularity', '--bounded', '--brokers', bootstrap, '--metrics-port', '0', '--input-topic', input,
      '--output-topic', `${input}-out`, '--group-id', group, '--state-dir', stateDir, '--window', window,
    ], {});
    const first = await run('10m');
    expect(first.code, first.stderr.slice(-3_000)).toBe(0);
    // Another window size: the slices in the changelog are of the old one.
    const changed = await run('20m');
    expect(changed.code).not.toBe(0);
    expect(changed.stderr).toMatch(new RegExp(`${group}-[a-z-]+-changelog, partition \\d, holds the state of a different job graph .* run it under a new --group-id`));
    const again = await run('10m');
    expect(again.code, again.stderr.slice(-3_000)).toBe(0);
    rmSync(stateDir, { recursive: true, force: true });
  }, 300_000);

  it('restores a savepoint into a folder and changelog that hold later state of the same group: the savepoint alone counts', async () => {
    const bootstrap = await brokerUp();
    const input = uniqueName('sp-in');
    const groupId = uniqueName('sp-g');
    const stateDir = mkdtempSync(join(tmpdir(), 'eddy-stale-sp-'));
    const token = 'stale-state-test-token';
    const args = (output: string): string[] => [
      'run', 'content-popularity', '--brokers', bootstrap, '--input-topic', input, '--output-topic', output,
      '--window', '1m', '--slide', '20s', '--top', String(WINDOW.k), '--out-of-orderness', '5s', '--idle-timeout', '0ms',
      '--group-id', groupId, '--state-dir', stateDir, '--checkpoint-interval', '300ms', '--metrics-port', '0',
    ];
    const status = async (url: string): Promise<number> => ((await (await fetch(`${url}/v1/status`)).json()) as { records: number }).records;
    const stop = (url: string, body: object): Promise<Response> => fetch(`${url}/v1/stop`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: JSON.stringify(body) });
    await createTopics([{ name: input, partitions: 2 }]);
    const events = generateWatchEvents(30_000, { seed: 31 });
    const [half, rest] = [events.slice(0, 15_000), events.slice(15_000)];
    await produceRecords(input, half);

    // 1. The first half, then stop with a savepoint.
    const first = uniqueName('sp-out');
    const p = startServingEddy(args(first), { EDDY_API_TOKEN: token });
    children.push(p);
    const pUrl = await p.url;
    await waitFor('the first half processed', async () => (await status(pUrl)) === half.length, 90_000);
    const savepoint = mkdtempSync(join(tmpdir(), 'eddy-stale-savepoint-'));
    let stopped: Response;
    for (let attempt = 1; ; attempt += 1) {
      stopped = await stop(pUrl, { savepointDirectory: savepoint });
      if (stopped.status !== 409 || attempt === 10) break;
      await new Promise((r) => setTimeout(r, 2_000));
    }
    expect(stopped.status, await stopped.clone().text()).toBe(202);
    expect(await p.exitCode, p.stderr().slice(-2_000)).toBe(0);
    const before = await readTopic(first, 1);

    // 2. The same group and folder go on through the second half: later state, locally and in the changelogs.
    await produceRecords(input, rest);
    const q = startServingEddy(args(first), { EDDY_API_TOKEN: token });
    children.push(q);
    const qUrl = await q.url;
    await waitFor('the second half processed', async () => (await status(qUrl)) === rest.length, 90_000);
    expect((await stop(qUrl, {})).status).toBe(202);
    expect(await q.exitCode, q.stderr().slice(-2_000)).toBe(0);

    // 3. The group's progress is forgotten (as offsets expire), and the partials topic with it (the
    //    restored merge stage reads it from the start); the changelogs and the folder stay.
    const admin = createKafka(testClient()).admin();
    await admin.connect();
    try {
      await admin.deleteGroups([groupId, `${groupId}-exchange`]);
      await admin.deleteTopics({ topics: [`${groupId}-top-k-partials`] });
      await waitFor('the partials topic deleted', async () => !(await admin.listTopics()).includes(`${groupId}-top-k-partials`), 30_000);
    } finally {
      await admin.disconnect();
    }

    // 4. Restored from the savepoint into that folder: after the first run's output, exactly the reference.
    const output = uniqueName('sp-out-restored');
    await createTopics([{ name: output, partitions: 1 }]);
    const sink = new KafkaSink(testClient());
    await sink.connect();
    await sink.send(output, before.map((r) => ({ key: r.key, value: r.value })));
    await sink.disconnect();
    const restored = await runEddy([...args(output), '--bounded', '--from-savepoint', savepoint]);
    expect(restored.code, restored.stderr.slice(-3_000)).toBe(0);
    const { logs } = splitStderr(restored.stderr);
    expect(logs).toContainEqual(expect.objectContaining({ task: 'watch-events:0', msg: expect.stringMatching(/^restoring savepoint .*: wiped .*, rebuilding from the changelog/) }));
    expect(logs).toContainEqual(expect.objectContaining({ msg: expect.stringMatching(/^restored \d+ entries from savepoint \S+ \(replacing \d+ entries the changelog held\)/) }));
    await expectExactTrending(events, { output, dlq: `${input}-dlq` }, WINDOW);
  }, 400_000);

  it('refuses a second runner on a state folder in use, and takes the folder after its runner was killed', async () => {
    const bootstrap = await brokerUp();
    const input = uniqueName('two-in');
    const stateDir = mkdtempSync(join(tmpdir(), 'eddy-stale-two-'));
    await createTopics([{ name: input, partitions: 2 }]);
    const events = generateWatchEvents(2_000, { seed: 41 });
    await produceRecords(input, events);
    const args = (output: string, groupId: string): string[] => [
      'run', 'content-popularity', '--brokers', bootstrap, '--input-topic', input, '--output-topic', output,
      '--window', '1m', '--slide', '20s', '--top', String(WINDOW.k), '--out-of-orderness', '5s', '--idle-timeout', '0ms',
      '--group-id', groupId, '--state-dir', stateDir, '--checkpoint-interval', '300ms', '--session-timeout', '30s', '--metrics-port', '0',
    ];
    const groupId = uniqueName('two-g');
    const output = uniqueName('two-out');
    const running = startServingEddy(args(output, groupId));
    children.push(running);
    await running.url;

    // Another group, so nothing but the folder is shared.
    const second = await runEddy([...args(uniqueName('two-out'), uniqueName('two-g')), '--bounded']);
    expect(second.code, second.stderr.slice(-2_000)).toBe(2);
    expect(second.stderr).toMatch(new RegExp(`^eddy run: state folder ${stateDir} is in use by another runner \\(process \\d+\\): give each runner its own --state-dir`, 'm'));
    expect(running.stderr()).not.toMatch(/failed/);

    // Killed, its pid is gone: the next runner takes the folder (and removes the dead members at
    // once, rather than waiting out their 30 s session) and finishes the job, exactly once.
    running.kill();
    await running.exitCode;
    const after = await runEddy([...args(output, groupId), '--bounded']);
    expect(after.code, after.stderr.slice(-2_000)).toBe(0);
    expect(after.stderr).toMatch(/removed \d+ group member\(s\) of the previous process/);
    await expectExactTrending(events, { output, dlq: `${input}-dlq` }, WINDOW);
  }, 300_000);
});
