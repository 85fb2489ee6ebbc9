/**
 * CPU and memory of a process from /proc (Linux): the harness samples engines and the local broker
 * this way, from outside, so every engine is measured alike whatever its language.
 */
import { existsSync, readFileSync } from 'node:fs';
import { brokerPaths, type BrokerInfo } from '../../deploy/local/local-broker.js';

/**
 * User + system CPU seconds a live process has used (its threads included).
 *
 * @example
 * const before = cpuSecondsOf(pid); … ; const used = cpuSecondsOf(pid) - before;
 */
export function cpuSecondsOf(pid: number): number {
  // Fields 14 and 15 of /proc/<pid>/stat: utime and stime in clock ticks (100 per second on Linux).
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Resident memory now (`VmRSS`) or at its peak (`VmHWM`), MB; undefined once the process has gone. */
export function rssMbOf(pid: number, which: 'VmRSS' | 'VmHWM'): number | undefined {
  try {
    const m = new RegExp(`${which}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The CPU meter of the broker started by `eddy kafka start` on this machine, when `brokers` is that
 * broker: its CPU is part of what a job costs (Eddy's changelogs and exchanges are broker work that
 * an engine keeping state locally does not cause). Undefined, with the reason, for any other broker.
 *
 * @example
 * const meter = brokerCpuMeter('127.0.0.1:9092');
 * const before = meter.cpuSeconds?.();
 */
export function brokerCpuMeter(brokers: string): { cpuSeconds?: () => number; why?: string } {
  const state = brokerPaths().state;
  if (!existsSync(state)) return { why: `no local broker (${state} missing)` };
  const info = JSON.parse(readFileSync(state, 'utf8')) as BrokerInfo;
  if (!brokers.split(',').includes(info.bootstrap)) return { why: `--brokers ${brokers} is not the local broker (${info.bootstrap})` };
  if (!existsSync(`/proc/${info.pid}/stat`)) return { why: `the local broker's pid ${info.pid} is not running` };
  return { cpuSeconds: () => cpuSecondsOf(info.pid) };
}
