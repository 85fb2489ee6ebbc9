import { afterEach, describe, expect, it } from 'vitest';
import { Logger } from '../../engine/log/logger.js';
import { capturingLogger } from '../../engine/log/testing/log-capture.js';
import { setThreadLogger } from '../../engine/log/thread-logger.js';
import { createKafka, kafkaClientOptions } from './config.js';

describe("kafkajs's log", () => {
  afterEach(() => setThreadLogger(Logger.create()));

  it("goes through the thread's logger, its extra fields as fields, with component kafkajs and its namespace", () => {
    const { logger, records } = capturingLogger();
    setThreadLogger(logger.child({ member: 'member-0' }));
    // No broker needed: kafkajs's own logger, as its clients use it.
    const log = createKafka(kafkaClientOptions({ logLevel: 'debug' })).logger().namespace('Connection');
    log.error('Connection error: connect ECONNREFUSED', { broker: '127.0.0.1:1', clientId: 'eddy', stack: 'Error: …' });
    log.warn('w');
    log.info('i');
    log.debug('d');
    expect(records[0]).toEqual({
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/), level: 'error', msg: 'Connection error: connect ECONNREFUSED',
      fields: { member: 'member-0', component: 'kafkajs', namespace: 'Connection', broker: '127.0.0.1:1', clientId: 'eddy', stack: 'Error: …' },
    });
    expect(records.map((r) => r.level)).toEqual(['error', 'warn', 'info', 'debug']);
  });

  it("keeps kafkajs's logLevel (error by default) under the logger's own", () => {
    const { logger, records } = capturingLogger('warn');
    setThreadLogger(logger);
    const byDefault = createKafka(kafkaClientOptions()).logger();
    byDefault.warn('kafkajs drops it');
    byDefault.error('kept');
    const chatty = createKafka(kafkaClientOptions({ logLevel: 'debug' })).logger();
    chatty.info('the logger drops it');
    chatty.warn('kept too');
    createKafka(kafkaClientOptions({ logLevel: 'nothing' })).logger().error('nothing at all');
    expect(records.map((r) => r.msg)).toEqual(['kept', 'kept too']);
  });

  it('logs a heartbeat answered "rebalancing" (a member joining or leaving) as a warning, not an error', () => {
    const { logger, records } = capturingLogger();
    setThreadLogger(logger);
    const log = createKafka(kafkaClientOptions()).logger().namespace('Connection');
    log.error('Response Heartbeat(key: 12, version: 3)', { error: 'The group is rebalancing, so a rejoin is needed', correlationId: 1 });
    log.error('Response Heartbeat(key: 12, version: 3)', { error: 'The coordinator is not available' });
    expect(records.map((r) => r.level)).toEqual(['warn', 'error']);
  });
});
