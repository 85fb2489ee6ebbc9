/**
 * Kafka client settings: the one place where they are validated and where their defaults live.
 * Every Eddy component that talks to Kafka (source, sink, admin, generator, CLI) takes a
 * {@link KafkaClientOptions} and turns it into a kafkajs client with {@link createKafka}.
 */
import type { Kafka, KafkaConfig, SASLOptions } from 'kafkajs';
import { threadLogger } from '../../engine/log/thread-logger.js';
import { kafkajs } from './kafkajs.js';
import { kafkaJsLogCreator } from './kafkajs-log.js';
import * as z from 'zod';

/** The bootstrap address of the project's local broker (`eddy kafka start`). */
export const DEFAULT_BROKERS = '127.0.0.1:9092';

const brokerList = z
  .union([z.string(), z.array(z.string())])
  .transform((v) => (Array.isArray(v) ? v : v.split(',')).map((s) => s.trim()).filter((s) => s.length > 0))
  .pipe(
    z
      .array(z.string().regex(/^[^\s:]+:\d{1,5}$/, 'expected host:port'))
      .min(1, 'expected at least one host:port'),
  );

const tls = z.union([
  z.boolean(),
  z.strictObject({
    ca: z.string().optional(),
    cert: z.string().optional(),
    key: z.string().optional(),
    rejectUnauthorized: z.boolean().default(true),
  }),
]);

const sasl = z.discriminatedUnion('mechanism', [
  z.strictObject({ mechanism: z.literal('plain'), username: z.string().min(1), password: z.string() }),
  z.strictObject({ mechanism: z.literal('scram-sha-256'), username: z.string().min(1), password: z.string() }),
  z.strictObject({ mechanism: z.literal('scram-sha-512'), username: z.string().min(1), password: z.string() }),
]);

/** Schema of the Kafka client settings; all fields but none are required. */
export const KafkaClientOptionsSchema = z.strictObject({
  brokers: brokerList.default([DEFAULT_BROKERS]),
  clientId: z.string().min(1).default('eddy'),
  ssl: tls.default(false),
  sasl: sasl.optional(),
  connectionTimeoutMs: z.number().int().positive().default(3_000),
  requestTimeoutMs: z.number().int().positive().default(30_000),
  retry: z
    .strictObject({
      retries: z.number().int().nonnegative().default(8),
      initialRetryTimeMs: z.number().int().positive().default(300),
      maxRetryTimeMs: z.number().int().positive().default(30_000),
    })
    .prefault({}),
  logLevel: z.enum(['nothing', 'error', 'warn', 'info', 'debug']).default('error'),
});

/** Kafka client settings as users write them (every field optional). */
export type KafkaClientInput = z.input<typeof KafkaClientOptionsSchema>;
/** Kafka client settings with every default filled in. */
export type KafkaClientOptions = z.output<typeof KafkaClientOptionsSchema>;

/**
 * Validates user-supplied Kafka settings and fills in the defaults.
 *
 * @example
 * const opts = kafkaClientOptions({ brokers: '127.0.0.1:9092', clientId: 'my-job' });
 */
export function kafkaClientOptions(input: KafkaClientInput = {}): KafkaClientOptions {
  return KafkaClientOptionsSchema.parse(input);
}

const LOG_LEVELS = {
  nothing: kafkajs.logLevel.NOTHING,
  error: kafkajs.logLevel.ERROR,
  warn: kafkajs.logLevel.WARN,
  info: kafkajs.logLevel.INFO,
  debug: kafkajs.logLevel.DEBUG,
} as const;

/** Builds the kafkajs configuration for validated options; kafkajs logs through this thread's logger (kafkajs-log.ts). */
export function toKafkaJsConfig(opts: KafkaClientOptions): KafkaConfig {
  return {
    brokers: opts.brokers,
    clientId: opts.clientId,
    ssl: opts.ssl,
    ...(opts.sasl ? { sasl: opts.sasl as SASLOptions } : {}),
    connectionTimeout: opts.connectionTimeoutMs,
    requestTimeout: opts.requestTimeoutMs,
    retry: {
      retries: opts.retry.retries,
      initialRetryTime: opts.retry.initialRetryTimeMs,
      maxRetryTime: opts.retry.maxRetryTimeMs,
    },
    logLevel: LOG_LEVELS[opts.logLevel],
    logCreator: kafkaJsLogCreator(threadLogger),
  };
}

/** Creates a kafkajs client from validated options. */
export function createKafka(opts: KafkaClientOptions): Kafka {
  return new kafkajs.Kafka(toKafkaJsConfig(opts));
}
