/**
 * The logger's two line formats, and the serialization of field values into plain data (so a record
 * can cross a thread boundary and always prints): an error keeps its message, stack and cause, a
 * bigint (an offset) becomes its decimal string.
 */
import type { LogFields, LogRecord } from './logger.js';

/** Nesting kept in a field value; deeper parts print as a placeholder. */
const MAX_DEPTH = 5;

/** A field value as plain, JSON-safe data. */
export function logValue(value: unknown, depth = 0): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value === null || typeof value !== 'object') return typeof value === 'function' || typeof value === 'symbol' ? String(value) : value;
  if (depth >= MAX_DEPTH) return '[…]';
  if (value instanceof Error) {
    const cause = value.cause === undefined ? {} : { cause: logValue(value.cause, depth + 1) };
    return { message: value.message, ...(value.stack ? { stack: value.stack } : {}), ...cause };
  }
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map((v) => logValue(v, depth + 1));
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined).map(([k, v]) => [k, logValue(v, depth + 1)]));
}

/** Fields as plain data; undefined ones are left out. */
export function logFields(fields: LogFields): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) if (v !== undefined) out[k] = logValue(v);
  return out;
}

/**
 * One JSON object: time, level and msg first, then the fields (a field named like one of those
 * three does not replace it).
 *
 * @example
 * jsonLine({ time: '2026-12-06T03:41:07.512Z', level: 'info', msg: 'open', fields: { task: 'source:3' } })
 * // '{"time":"2026-12-06T03:41:07.512Z","level":"info","msg":"open","task":"source:3"}'
 */
export function jsonLine(r: LogRecord): string {
  const line: Record<string, unknown> = { time: r.time, level: r.level, msg: r.msg };
  for (const [k, v] of Object.entries(r.fields)) if (!(k in line)) line[k] = v;
  return JSON.stringify(line);
}

/** Fields a readable line shows before the message, in this order: `member-0 task source:3 kafkajs`. */
const CONTEXT: readonly [string, (v: string) => string][] = [['member', (v) => v], ['task', (v) => `task ${v}`], ['component', (v) => v]];

/**
 * A line for a terminal: `03:41:07 INFO  member-0 task source:3  message key=value`, an error's
 * stack on the lines below. Left out: `job` (one per process, named when it starts) and a
 * `partition` the task already names.
 *
 * @example
 * readableLine({ time: '2026-12-06T03:41:07.512Z', level: 'warn', msg: 'slow', fields: { member: 'member-0', ms: 900 } })
 * // '03:41:07 WARN  member-0  slow ms=900'
 */
export function readableLine(r: LogRecord, o: { time?: boolean } = {}): string {
  const hidden = new Set(['job', ...CONTEXT.map(([k]) => k), ...(r.fields.task !== undefined ? ['partition'] : [])]);
  const context = CONTEXT.filter(([k]) => r.fields[k] !== undefined).map(([k, show]) => show(String(r.fields[k])));
  const stacks: string[] = [];
  const rest = Object.entries(r.fields).filter(([k]) => !hidden.has(k)).map(([k, v]) => {
    if (isLoggedError(v)) {
      if (v.stack) stacks.push(v.stack);
      return `${k}=${quoted(v.message)}`;
    }
    return `${k}=${typeof v === 'string' ? quoted(v) : JSON.stringify(v)}`;
  });
  const head = [...(o.time === false ? [] : [r.time.slice(11, 19)]), r.level.toUpperCase().padEnd(5), ...context].join(' ').trimEnd();
  const line = `${head}  ${[r.msg, ...rest].join(' ')}`;
  return [line, ...stacks.map((s) => s.replace(/^/gm, '    '))].join('\n');
}

function isLoggedError(v: unknown): v is { message: string; stack?: string } {
  return typeof v === 'object' && v !== null && typeof (v as { message?: unknown }).message === 'string' && ('stack' in v || 'cause' in v);
}

/** A string as is when it is one word, else in JSON quotes. */
function quoted(text: string): string {
  return /^[^\s"=]+$/.test(text) ? text : JSON.stringify(text);
}
