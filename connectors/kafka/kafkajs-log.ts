/**
 * kafkajs's log, routed through Eddy's logger: its levels mapped to ours, its message as `msg`, its
 * extra fields (broker, clientId, groupId, error, stack, retryCount…) as fields, with
 * `component: "kafkajs"` and its namespace (Consumer, Connection, BrokerPool…). kafkajs filters by
 * its own `logLevel` first (Kafka client option `logLevel`, `error` by default), then the logger by
 * its level. The logger is looked up at each line: clients made before a command set its logger, or
 * in a member thread, write to the logger of the moment.
 */
import type { LogEntry, logCreator } from 'kafkajs';
import type { Logger, LogLevel } from '../../engine/log/logger.js';
import { kafkajs } from './kafkajs.js';

const LEVELS = new Map<number, LogLevel>([
  [kafkajs.logLevel.ERROR, 'error'],
  [kafkajs.logLevel.WARN, 'warn'],
  [kafkajs.logLevel.INFO, 'info'],
  [kafkajs.logLevel.DEBUG, 'debug'],
]);

/**
 * @example
 * new kafkajs.Kafka({ brokers, logLevel: kafkajs.logLevel.ERROR, logCreator: kafkaJsLogCreator(threadLogger) });
 */
export function kafkaJsLogCreator(logger: () => Logger): logCreator {
  return () => ({ namespace, level, log }: LogEntry) => {
    const { message, timestamp: _timestamp, logger: _kafkajs, ...extra } = log;
    logger().log(levelOf(level, extra), String(message), { component: 'kafkajs', ...(namespace ? { namespace } : {}), ...extra });
  };
}

// kafkajs logs every heartbeat answered "rebalancing" as an error; in a group that is what a member
// joining or leaving looks like, not a fault (the member rejoins by itself).
const REBALANCING = /group is rebalancing/i;

function levelOf(level: number, extra: Record<string, unknown>): LogLevel {
  const ours = LEVELS.get(level) ?? 'info';
  return ours === 'error' && typeof extra.error === 'string' && REBALANCING.test(extra.error) ? 'warn' : ours;
}
