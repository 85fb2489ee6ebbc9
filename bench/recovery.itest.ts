import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { runRecoveryBench } from './recovery.js';

// A tiny run of the recovery harness (Eddy only) so it cannot rot; it asserts what the run
// measured, that the output across the kill was exact, and that it wrote its results, never how fast.
describe('recovery benchmark (smoke)', () => {
  it('kills Eddy with SIGKILL mid-run, restarts it and measures when the input at the kill is committed again', async () => {
    const out = mkdtempSync(join(tmpdir(), 'eddy-recovery-smoke-'));
    const lines: string[] = [];
    // A session far longer than the bound below: recovery within it needs the restarted runner to
    // remove the killed process's group members (without that it took ~60 s).
    const r = (await runRecoveryBench(['--brokers', inject('kafkaBrokers'), '--engines', 'eddy', '--events', '5000', '--items', '5000', '--rate', '200', '--repetitions', '1',
      '--settle', '2s', '--rebalance', 'false', '--session-timeout', '60s', '--out', out], (l) => lines.push(l))) as { workload: { keys: number }; engines: Record<string, unknown>[] };
    const [eddy] = r.engines;
    expect(eddy, lines.join('\n')).toMatchObject({ engine: 'eddy' });
    expect(eddy, lines.join('\n')).not.toHaveProperty('failed');
    // 5,000 events over 5,000 ids: distinct keys below the event count, and far above zero.
    expect(r.workload.keys).toBeGreaterThan(1_000);
    expect(r.workload.keys).toBeLessThan(5_000);
    expect(eddy!.recoveredSeconds).toBeGreaterThan(0);
    expect(eddy!.recoveredSeconds).toBeLessThan(30);
    // Both members of the killed process, in the input group at least.
    expect(eddy!.evictedMembers).toBeGreaterThanOrEqual(2);
    expect(eddy!.buildSeconds).toBeGreaterThan(0);
    // Eddy's own view: every task restored, after its HTTP server came up.
    const after = eddy!.afterKill as { httpSeconds: number; allTasksRestoredSeconds: number };
    expect(after.allTasksRestoredSeconds).toBeGreaterThanOrEqual(after.httpSeconds);
    expect(after.allTasksRestoredSeconds).toBeLessThan(30);
    expect((eddy!.checkpoint as { count: number }).count).toBeGreaterThan(0);
    // Every ranking of the run (before and after the kill) once, as the reference has it.
    expect(eddy!.output, lines.join('\n')).toMatchObject({ correct: true, problems: [] });
    expect((eddy!.output as { rankings: number }).rankings).toBeGreaterThan(0);
    const [dir] = readdirSync(out);
    expect(dir).toMatch(/^recovery-/);
    expect(JSON.parse(readFileSync(join(out, dir!, 'results.json'), 'utf8')).engines).toHaveLength(1);
    expect(existsSync(join(out, dir!, 'results.md'))).toBe(true);
  });
});
