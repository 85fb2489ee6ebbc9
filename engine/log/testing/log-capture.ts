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
