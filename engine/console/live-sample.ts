/**
 * One sample of a running job's live numbers, read from its members' metric registries (the same
 * values `/metrics` exports): records in and out, lag, dead letters by reason, late records by
 * operator, and per task partition its lag, watermark and records read. The console charts a
 * series of them; throughput is the difference of `records` between two samples.
 */
import type { MemberMetricsJson } from '../metrics/runner-metrics.js';

export interface PartitionSample {
  /** The task: `<stage>:<partition>`, as in the metrics' `partition` label. */
  partition: string;
  /** Records between the partition's high watermark and the task's position. */
  lag: number;
  /** The task's event-time watermark, epoch ms; null before its first. */
  watermark: number | null;
  /** Records read from the partition so far (sources only: internal stages count none). */
  records: number;
}

export interface LiveSample {
  /** When it was taken, epoch ms. */
  at: number;
  /** Records read from the job's inputs. */
  recordsIn: number;
  /** Records its sinks wrote. */
  recordsOut: number;
  /** Lag summed over the partitions. */
  lag: number;
  deadLetters: Record<string, number>;
  late: Record<string, number>;
  partitions: PartitionSample[];
}

type Values = { labels: Record<string, string | number>; value: number }[];

/**
 * Sums the members' registries into a sample; `sinks` are the job's sink operators (what counts as
 * records out).
 *
 * @example
 * const sample = sampleOf(await monitor.collect(), ['to-trending'], Date.now());
 * sample.partitions.map((p) => p.lag);
 */
export function sampleOf(members: readonly MemberMetricsJson[], sinks: readonly string[], at: number): LiveSample {
  const values = (name: string): Values => members.flat().filter((m) => m.name === name).flatMap((m) => m.values as Values);
  const byLabel = (name: string, label: string): Map<string, number> => {
    const out = new Map<string, number>();
    for (const v of values(name)) {
      const key = String(v.labels[label] ?? '');
      out.set(key, (out.get(key) ?? 0) + v.value);
    }
    return out;
  };
  const lag = byLabel('eddy_consumer_lag_records', 'partition');
  const read = byLabel('eddy_source_records_total', 'partition');
  const watermarks = byLabel('eddy_watermark_seconds', 'partition');
  const out = byLabel('eddy_records_out_total', 'operator');
  const names = [...new Set([...lag.keys(), ...read.keys(), ...watermarks.keys()])].sort(byTask);
  const partitions = names.map((partition) => {
    const wm = watermarks.get(partition);
    return { partition, lag: lag.get(partition) ?? 0, watermark: wm === undefined || wm <= 0 ? null : Math.round(wm * 1000), records: read.get(partition) ?? 0 };
  });
  return {
    at,
    recordsIn: sum(read.values()),
    recordsOut: sum(sinks.map((s) => out.get(s) ?? 0)),
    lag: sum(lag.values()),
    deadLetters: Object.fromEntries(byLabel('eddy_dead_letter_records_total', 'reason')),
    late: Object.fromEntries(byLabel('eddy_late_records_total', 'operator')),
    partitions,
  };
}

function sum(xs: Iterable<number>): number {
  let total = 0;
  for (const x of xs) total += x;
  return total;
}

/** `stage:2` before `stage:10`. */
function byTask(a: string, b: string): number {
  const [sa, pa] = a.split(':');
  const [sb, pb] = b.split(':');
  return sa === sb ? Number(pa) - Number(pb) : (sa ?? '') < (sb ?? '') ? -1 : 1;
}
