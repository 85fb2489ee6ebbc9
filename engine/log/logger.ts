/**
 * Eddy's structured logger: four levels, fields that children add to (job, member, task, partition,
 * component…), and one output format chosen once per stream: a JSON object per line where a program
 * reads the stream (a pipe, a file, a log collector), a readable line on a terminal. Our own rather
 * than pino: this is all Eddy needs of one, and it adds no runtime dependency.
 */
import * as z from 'zod';
import { jsonLine, logFields, readableLine } from './log-format.js';

export const LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** A log level as a flag or option takes it; the CLI prefixes the error with the flag (`--log-level: …`). */
export const LogLevelSchema = z.enum(LOG_LEVELS, { error: (issue) => `expected one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(issue.input)}` });

export const LoggerOptionsSchema = z.strictObject({
  level: LogLevelSchema.default('info'),
  /** Default: `readable` when the stream is a terminal, else `json`. */
  format: z.enum(['json', 'readable']).optional(),
});
export type LoggerOptions = z.input<typeof LoggerOptionsSchema>;

export type LogFields = Readonly<Record<string, unknown>>;

/**
 * One log event as plain data (its fields already serialized: errors, bigints): what a sink formats,
 * and what a member thread posts to the runner.
 */
export interface LogRecord {
  /** ISO 8601, UTC. */
  time: string;
  level: LogLevel;
  msg: string;
  fields: Record<string, unknown>;
}

export type LogSink = (record: LogRecord) => void;

/** Where {@link Logger.create} writes: process.stderr, or anything with its `write` and `isTTY`. */
export interface LogStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

const RANK: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3 };

/**
 * @example
 * const log = Logger.create({ level: 'debug' }).child({ job: 'content-popularity' });
 * log.child({ member: 'member-0' }).warn('failed (restart 1, in 1 s)', { error });
 * // {"time":"2026-12-06T03:41:07.512Z","level":"warn","msg":"failed (restart 1, in 1 s)","job":"content-popularity","member":"member-0","error":{"message":"…","stack":"…"}}
 */
export class Logger {
  constructor(
    readonly sink: LogSink,
    readonly level: LogLevel = 'info',
    readonly fields: Readonly<Record<string, unknown>> = {},
  ) {}

  /** A logger writing lines to `stream` (default stderr) in the format its options or the stream call for. */
  static create(options: LoggerOptions = {}, stream: LogStream = process.stderr): Logger {
    const parsed = LoggerOptionsSchema.safeParse(options);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new Error(`logger option ${issue.path.join('.') || 'options'}: ${issue.message}`);
    }
    const format = parsed.data.format ?? (stream.isTTY ? 'readable' : 'json');
    const line = format === 'json' ? jsonLine : readableLine;
    return new Logger((record) => stream.write(`${line(record)}\n`), parsed.data.level);
  }

  /** Whether a message at `level` would be written. */
  enabled(level: LogLevel): boolean {
    return RANK[level] <= RANK[this.level];
  }

  error(msg: string, fields?: LogFields): void {
    this.log('error', msg, fields);
  }

  warn(msg: string, fields?: LogFields): void {
    this.log('warn', msg, fields);
  }

  info(msg: string, fields?: LogFields): void {
    this.log('info', msg, fields);
  }

  debug(msg: string, fields?: LogFields): void {
    this.log('debug', msg, fields);
  }

  log(level: LogLevel, msg: string, fields?: LogFields): void {
    if (!this.enabled(level)) return;
    this.sink({ time: new Date().toISOString(), level, msg, fields: fields ? { ...this.fields, ...logFields(fields) } : { ...this.fields } });
  }

  /** The same sink and level, with more fields on every record (a child's win over its parent's). */
  child(fields: LogFields): Logger {
    return new Logger(this.sink, this.level, { ...this.fields, ...logFields(fields) });
  }

  /** A record logged elsewhere (a member thread): written with this logger's fields under its own. */
  forward(record: LogRecord): void {
    if (!this.enabled(record.level)) return;
    this.sink({ ...record, fields: { ...this.fields, ...record.fields } });
  }
}
