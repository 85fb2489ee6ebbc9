/** Test helpers: loggers that keep or drop what is logged, and the JSON log lines of a process's stderr. */
import { Logger, type LogLevel, type LogRecord } from '../logger.js';

/** A logger that writes nothing, for code under test whose log the test does not read. */
export function quietLogger(): Logger {
  return new Logger(() => undefined);
}

/** A logger that keeps its records, at `level` (default debug). */
export function capturingLogger(level: LogLevel = 'debug'): { logger: Logger; records: LogRecord[] } {
  const records: LogRecord[] = [];
  return { logger: new Logger((r) => void records.push(r), level), records };
}

/** One JSON log line, as the logger writes it: time, level, msg, then the fields. */
export type JsonLogLine = { time: string; level: LogLevel; msg: string } & Record<string, unknown>;

/**
 * A process's stderr split into its JSON log lines and the other lines (the CLI's own messages, such
 * as `eddy run: …` before a non-zero exit).
 */
export function splitStderr(stderr: string): { logs: JsonLogLine[]; other: string[] } {
  const logs: JsonLogLine[] = [];
  const other: string[] = [];
  for (const line of stderr.split('\n').filter((l) => l.trim() !== '')) {
    const parsed = parseLogLine(line);
    if (parsed) logs.push(parsed);
    else other.push(line);
  }
  return { logs, other };
}

function parseLogLine(line: string): JsonLogLine | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const v = JSON.parse(line) as Partial<JsonLogLine>;
    return typeof v.time === 'string' && typeof v.level === 'string' && typeof v.msg === 'string' ? (v as JsonLogLine) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * What a process logged, short enough for a failure message: its own lines (not the Kafka client's)
 * at info and above, the last `maxLines` of them, then the client's warnings and errors counted by
 * message, most frequent first. A test that gives up on a process says with this what it was doing.
 *
 * @example
 * expect(result, logDigest(runner.stderr())).not.toBe('timeout');
 */
export function logDigest(stderr: string, maxLines = 40): string {
  const { logs, other } = splitStderr(stderr);
  const own = logs.filter((l) => l.component !== 'kafkajs' && l.level !== 'debug');
  const line = (l: JsonLogLine): string => `${l.time.slice(11, 23)} ${l.level} ${typeof l.member === 'string' ? `${l.member} ` : ''}${l.msg}`;
  const counts = new Map<string, { n: number; first: string; last: string }>();
  for (const l of logs) {
    if (l.component !== 'kafkajs' || (l.level !== 'warn' && l.level !== 'error')) continue;
    const what = `${l.level} ${l.msg}${typeof l.error === 'string' ? `: ${l.error}` : ''}`.slice(0, 160);
    const at = l.time.slice(11, 23);
    const c = counts.get(what) ?? { n: 0, first: at, last: at };
    c.n += 1;
    c.last = at;
    counts.set(what, c);
  }
  const client = [...counts].sort((a, b) => b[1].n - a[1].n).slice(0, 12).map(([what, c]) => `${c.n}× (${c.first}–${c.last}) ${what}`);
  return [
    `its own log (last ${Math.min(maxLines, own.length)} of ${own.length} lines at info and above):`,
    ...own.slice(-maxLines).map(line),
    ...other.slice(-5),
    'Kafka client warnings and errors, by message:',
    ...client,
  ].join('\n');
}
