import { describe, expect, it } from 'vitest';
import { flagVariables, OTHER_VARIABLES, SHARED_FLAGS, withoutFlagVariables } from './flag-env.js';

describe('flag variables', () => {
  it('keeps commands apart and reads the shared name for shared flags only', () => {
    expect(flagVariables('kafka', 'port')).toEqual(['EDDY_KAFKA_PORT']);
    expect(flagVariables('cluster', 'port')).toEqual(['EDDY_CLUSTER_PORT']);
    expect(flagVariables('run', 'input-topic')).toEqual(['EDDY_RUN_INPUT_TOPIC']);
    expect(flagVariables('generate', 'brokers')).toEqual(['EDDY_GENERATE_BROKERS', 'EDDY_BROKERS']);
    expect(flagVariables('list', 'token-file')).toEqual(['EDDY_LIST_TOKEN_FILE', 'EDDY_TOKEN_FILE']);
  });

  it('gives no shared flag the name of an existing variable', () => {
    for (const flag of SHARED_FLAGS) expect(OTHER_VARIABLES).not.toContain(flagVariables('x', flag)[1]);
  });

  it("drops a command's variables and the shared ones, and nothing else", () => {
    const env = { EDDY_RUN_TOP: '3', EDDY_BROKERS: 'k:9092', EDDY_URL: 'http://x', EDDY_HOME: '/srv', EDDY_API_TOKEN: 't', EDDY_GENERATE_RATE: '5/s', PATH: '/bin' };
    expect(withoutFlagVariables(env, 'run')).toEqual({ EDDY_HOME: '/srv', EDDY_API_TOKEN: 't', EDDY_GENERATE_RATE: '5/s', PATH: '/bin' });
  });
});
