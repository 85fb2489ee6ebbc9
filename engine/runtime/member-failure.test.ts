import { describe, expect, it } from 'vitest';
import { FatalJobError, atPosition, failureInfo } from './member-failure.js';

class KafkaJSConnectionError extends Error {
  override readonly name = 'KafkaJSConnectionError';
}

describe('failureInfo', () => {
  it('reads the position an error was marked with, through a wrapping error too', () => {
    const e = atPosition(new Error('boom'), { task: 'partition:3', offset: '1200' });
    expect(failureInfo(e)).toEqual({ error: 'boom', position: { task: 'partition:3', offset: '1200' }, fatal: false, transient: false });
    expect(failureInfo(new Error('could not close', { cause: e })).position).toEqual({ task: 'partition:3', offset: '1200' });
    // The first mark wins: the innermost place it happened.
    expect(failureInfo(atPosition(e, { task: 'merge:0', offset: null })).position?.task).toBe('partition:3');
  });

  it('tells fatal from transient from the rest', () => {
    expect(failureInfo(new FatalJobError('policy fail')).fatal).toBe(true);
    expect(failureInfo(new Error('wrapped', { cause: new FatalJobError('x') })).fatal).toBe(true);
    expect(failureInfo(new Error('x', { cause: new KafkaJSConnectionError('refused') })).transient).toBe(true);
    expect(failureInfo(Object.assign(new Error('x'), { retriable: true })).transient).toBe(true);
    expect(failureInfo(new Error('u64 key component must be a non-negative safe integer'))).toMatchObject({ fatal: false, transient: false, position: null });
    expect(failureInfo('a string').error).toBe('a string');
  });
});
