/**
 * Coordinators remembered between a transactional producer's requests. kafkajs' transaction manager
 * asks a broker for the transaction coordinator before each AddPartitionsToTxn, AddOffsetsToTxn and
 * EndTxn, and for the group coordinator before each TxnOffsetCommit: four FindCoordinator requests
 * in each commit of nine requests, what most of a low-rate runner's commit cost is. Java's producer
 * looks a coordinator up once and again only after an error that says it may have moved; so does
 * this: a coordinator is remembered by node id until a request to it fails with NOT_COORDINATOR,
 * COORDINATOR_NOT_AVAILABLE or without a broker's answer (a lost connection, a timeout). Other
 * answers (CONCURRENT_TRANSACTIONS right after a commit, retried by kafkajs) keep it. The broker
 * object comes from the cluster each time, so a reconnect is the cluster's as before.
 */

/** kafkajs' names of the errors that mean "ask again who the coordinator is". */
const MOVED = new Set(['NOT_COORDINATOR_FOR_GROUP', 'GROUP_COORDINATOR_NOT_AVAILABLE']);

/** Whether `e` may mean the coordinator moved: a broker said so, or no broker answered at all. */
function coordinatorMayHaveMoved(e: unknown): boolean {
  const type = (e as { type?: unknown } | null)?.type;
  return typeof type !== 'string' || MOVED.has(type);
}

/** A kafkajs broker, as the transaction manager uses it. */
export interface CoordinatorBroker {
  nodeId: number;
}

/** The part of kafkajs' Cluster its transaction manager (`producer/eosManager`) uses. */
export interface EosCluster<B extends CoordinatorBroker = CoordinatorBroker> {
  retry: unknown;
  refreshMetadataIfNecessary(): Promise<void>;
  findControllerBroker(): Promise<B>;
  findGroupCoordinator(args: { groupId: string; coordinatorType?: number }): Promise<B>;
  findBroker(args: { nodeId: number }): Promise<B>;
}

/**
 * `cluster` for one transaction manager, with its coordinator lookups remembered.
 *
 * @example
 * const eos = createEosManager({ ...options, cluster: withCachedCoordinators(options.cluster) });
 */
export function withCachedCoordinators<B extends CoordinatorBroker>(cluster: EosCluster<B>): EosCluster<B> {
  const nodes = new Map<string, number>();
  return {
    retry: cluster.retry,
    refreshMetadataIfNecessary: () => cluster.refreshMetadataIfNecessary(),
    findControllerBroker: () => cluster.findControllerBroker(),
    findBroker: (args) => cluster.findBroker(args),
    async findGroupCoordinator(args) {
      const key = `${args.coordinatorType ?? 0}:${args.groupId}`;
      const forget = (): void => void nodes.delete(key);
      const known = nodes.get(key);
      const broker = known === undefined ? await cluster.findGroupCoordinator(args) : await cluster.findBroker({ nodeId: known }).catch(rethrowAfter(forget));
      nodes.set(key, broker.nodeId);
      return forgettingOnError(broker, forget);
    },
  };
}

function rethrowAfter(f: () => void): (e: unknown) => never {
  return (e) => {
    if (coordinatorMayHaveMoved(e)) f();
    throw e;
  };
}

/** `broker`, whose requests call `forget` when they fail as if it moved, before the caller sees the error (and retries). */
function forgettingOnError<B extends object>(broker: B, forget: () => void): B {
  return new Proxy(broker, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        const out = (value as (...a: unknown[]) => unknown).apply(target, args);
        return out instanceof Promise ? out.catch(rethrowAfter(forget)) : out;
      };
    },
  });
}
