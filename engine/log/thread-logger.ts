/**
 * This thread's logger, for code that has none passed to it (kafkajs's log, a registry kept across
 * member restarts): on the main thread the process's, which a command sets from `--log-level`; on a
 * member thread the member's, which posts to the runner (member-worker.ts).
 */
import { Logger } from './logger.js';

let current: Logger | undefined;

/**
 * @example
 * threadLogger().warn('could not follow the dead-letter topics', { error });
 */
export function threadLogger(): Logger {
  return (current ??= Logger.create());
}

/**
 * @example
 * setThreadLogger(Logger.create({ level: options.logLevel }));
 */
export function setThreadLogger(logger: Logger): void {
  current = logger;
}
