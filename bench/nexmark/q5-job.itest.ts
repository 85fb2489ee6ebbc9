/**
 * The q5 job on a real broker: `eddy run ./dist/bench/nexmark/q5-job.js --bounded` (two member
 * threads, so the `by-window` repartition topic is crossed between them) over bids produced as the
 * benchmark produces them; its committed output is the reference's, as a set, each triple once.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, inject, it } from 'vitest';
import { readTopic, testClient, uniqueName } from '../../connectors/kafka/testing/fixtures.js';
import { startBoundedRun } from '../../engine/cli/testing/eddy-process.js';
import { BidGenerator } from './bid-generator.js';
import { produceBids } from './bid-topic.js';
import { Q5Check } from './q5-check.js';
import { referenceQ5 } from './q5-reference.js';

const jobModule = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist', 'bench', 'nexmark', 'q5-job.js');

describe('nexmark-q5 on a real broker', () => {
  it('writes the reference’s (window, auction, count) triples, each once', { timeout: 180_000 }, async () => {
    const input = uniqueName('q5-in');
    const output = uniqueName('q5-out');
    // 500 events/s: 20,000 bids span 43 s of event time, about 26 windows.
    const bids = new BidGenerator({ seed: 11, firstEventRate: 500 }).take(20_000);
    await produceBids(testClient('eddy-itest-q5-producer'), input, 4, [bids.slice(0, 10_000), bids.slice(10_000)]);
    const expected = referenceQ5(bids);
    expect(new Set(expected.hot.map((h) => h.windowStart)).size).toBeGreaterThan(20);

    const run = startBoundedRun(jobModule, ['--input-topic', input, '--output-topic', output], {
      brokers: inject('kafkaBrokers'), groupId: uniqueName('q5'), parallelism: 2, sessionTimeout: '6s', stateDir: mkdtempSync(join(tmpdir(), 'eddy-q5-')),
    });
    const exit = await run.exited;
    expect(exit.code, exit.stderr).toBe(0);

    // Flush bids add rows for their own windows (after the last real bid): at least as many records as expected.
    const records = await readTopic(output, expected.hot.length);
    const check = new Q5Check(expected);
    for (const r of records) check.add(r.key?.toString() ?? null, r.value);
    expect(check.problems).toEqual([]);
    expect(check.complete, check.progress()).toBe(true);
  });
});
