import { describe, expect, it } from 'vitest';
import { withCachedCoordinators, type EosCluster } from './coordinator-cache.js';

class FakeBroker {
  calls = 0;
  constructor(readonly nodeId: number, public failWith?: Error) {}
  async endTxn(): Promise<string> {
    this.calls += 1;
    if (this.failWith) throw this.failWith;
    return `ended on ${this.nodeId}`;
  }
}

/** A cluster whose coordinator for every group is `coordinator`, counting its lookups. */
function fakeCluster(brokers: FakeBroker[]): EosCluster<FakeBroker> & { lookups: string[]; coordinator: number } {
  const c = {
    lookups: [] as string[],
    coordinator: 0,
    retry: { retries: 1 },
    refreshMetadataIfNecessary: async () => undefined,
    findControllerBroker: async () => brokers[0]!,
    findBroker: async ({ nodeId }: { nodeId: number }) => brokers[nodeId]!,
    findGroupCoordinator: async ({ groupId, coordinatorType = 0 }: { groupId: string; coordinatorType?: number }) => {
      c.lookups.push(`${coordinatorType}:${groupId}`);
      return brokers[c.coordinator]!;
    },
  };
  return c;
}

describe('withCachedCoordinators', () => {
  it('looks each coordinator (by group and type) up once', async () => {
    const cluster = fakeCluster([new FakeBroker(0)]);
    const cached = withCachedCoordinators(cluster);
    for (let i = 0; i < 3; i += 1) {
      await cached.findGroupCoordinator({ groupId: 'txn-1', coordinatorType: 1 });
      await cached.findGroupCoordinator({ groupId: 'group-a' });
    }
    expect(cluster.lookups).toEqual(['1:txn-1', '0:group-a']);
    expect(cached.retry).toBe(cluster.retry);
  });

  it('forgets a coordinator whose request failed, so the next lookup finds where it moved', async () => {
    const brokers = [new FakeBroker(0), new FakeBroker(1)];
    const cluster = fakeCluster(brokers);
    const cached = withCachedCoordinators(cluster);
    expect(await (await cached.findGroupCoordinator({ groupId: 'txn-1', coordinatorType: 1 })).endTxn()).toBe('ended on 0');
    // The coordinator moves to broker 1; broker 0 first answers something else, then NOT_COORDINATOR.
    cluster.coordinator = 1;
    brokers[0]!.failWith = Object.assign(new Error('busy'), { type: 'CONCURRENT_TRANSACTIONS' });
    const stale = await cached.findGroupCoordinator({ groupId: 'txn-1', coordinatorType: 1 });
    // An answer that does not say it moved keeps it (kafkajs retries on the same coordinator).
    await expect(stale.endTxn()).rejects.toMatchObject({ type: 'CONCURRENT_TRANSACTIONS' });
    expect(cluster.lookups).toEqual(['1:txn-1']);
    brokers[0]!.failWith = Object.assign(new Error('not the coordinator'), { type: 'NOT_COORDINATOR_FOR_GROUP' });
    await expect(stale.endTxn()).rejects.toMatchObject({ type: 'NOT_COORDINATOR_FOR_GROUP' });
    expect(await (await cached.findGroupCoordinator({ groupId: 'txn-1', coordinatorType: 1 })).endTxn()).toBe('ended on 1');
    expect(cluster.lookups).toEqual(['1:txn-1', '1:txn-1']);
    expect(brokers.map((b) => b.calls)).toEqual([3, 1]);
  });

  it('forgets a coordinator the cluster can no longer reach', async () => {
    const cluster = fakeCluster([new FakeBroker(0)]);
    const cached = withCachedCoordinators(cluster);
    await cached.findGroupCoordinator({ groupId: 'g' });
    cluster.findBroker = async () => {
      throw new Error('Connection error');
    };
    await expect(cached.findGroupCoordinator({ groupId: 'g' })).rejects.toThrow('Connection error');
    await cached.findGroupCoordinator({ groupId: 'g' });
    expect(cluster.lookups).toEqual(['0:g', '0:g']);
  });
});
