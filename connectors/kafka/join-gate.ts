/**
 * The join gate (patch 7 of kafkajs.ts): lets the consumers of one process join their group in the
 * same rebalance.
 *
 * Why: a broker with `group.initial.rebalance.delay.ms=0` (Kafka's shipped server.properties, and
 * deploy/local) completes a new group's first join as soon as its first member asks. A second member
 * of the same process, a few milliseconds later, starts a second rebalance that the first member
 * only learns of at its next heartbeat (3 s): meanwhile it owns every partition, builds state for
 * all of them, and the partitions it then gives up are restored again by the other member.
 *
 * How: since JoinGroup v4 (KIP-394) a new member's first JoinGroup only gets a member id back. A
 * gated consumer, once it has its id, waits at the gate before joining with it; the runner opens
 * the gate when every member of the process has an id (join-barrier.ts in the engine), and they all
 * join at once. With no delay configured, the broker still completes the join the moment the first
 * of them arrives: one that comes a millisecond later starts the next rebalance. So the gate also
 * answers with the ids of the members let in together, and the first assignment made after it
 * (held-assigner.ts) gives nobody anything while one of them is missing from the generation;
 * kafkajs.ts has members heartbeat often just after a join, so that next rebalance comes at once.
 *
 * @example
 * const ungate = gateJoins('my-group', async (memberId) => await idsOfAllMembersOnceEachHasOne(memberId));
 */

/** What kafkajs' Broker.joinGroup is called with. */
export interface JoinGroupArgs {
  groupId: string;
  memberId?: string | null;
  [field: string]: unknown;
}

/** The parts of kafkajs' Broker the gated join uses. */
export interface JoiningBroker {
  lookupRequest(apiKey: number, definition: unknown): (args: object) => unknown;
  joinGroup(args: JoinGroupArgs): Promise<unknown>;
}

/**
 * What a new member waits for between getting its id and joining: given its id, resolves with the
 * ids of the members let in together with it (itself included; empty: none known).
 */
export type JoinGate = (memberId: string) => Promise<readonly string[]>;

/** Per consumer group of this thread: its gate. */
const gates = new Map<string, JoinGate>();
/** Per consumer group of this thread: the members let in together, until an assignment takes them. */
const together = new Map<string, readonly string[]>();

/**
 * From now on a consumer of `groupId` in this thread that joins without a member id asks the broker
 * for one first, then waits for `gate` before joining with it. Returns the undo.
 */
export function gateJoins(groupId: string, gate: JoinGate): () => void {
  gates.set(groupId, gate);
  return () => {
    if (gates.get(groupId) === gate) gates.delete(groupId);
  };
}

/** The members last let in together into `groupId` by this thread's gate, once (then forgotten). */
export function takeJoinedTogether(groupId: string): readonly string[] | undefined {
  const ids = together.get(groupId);
  together.delete(groupId);
  return ids;
}

/**
 * kafkajs' Broker.joinGroup with the gate between the two JoinGroup requests of a new member. `send`
 * is the broker's private request method, `apiKey` and `definition` JoinGroup's (kafkajs' own lookup).
 */
export function gatedJoinGroup(original: JoiningBroker['joinGroup'], send: symbol, apiKey: number, definition: unknown): JoiningBroker['joinGroup'] {
  return async function joinGroup(this: JoiningBroker, args: JoinGroupArgs): Promise<unknown> {
    const gate = gates.get(args.groupId);
    if (!gate || args.memberId) return original.call(this, args);
    const request = this.lookupRequest(apiKey, definition);
    const sendRequest = (this as unknown as Record<symbol, (r: unknown) => Promise<unknown>>)[send]!;
    try {
      // Brokers before JoinGroup v4 answer with a complete join here.
      return await sendRequest.call(this, request({ protocolType: 'consumer', ...args, memberId: '' }));
    } catch (e) {
      if ((e as Error).name !== 'KafkaJSMemberIdRequired') throw e;
      const { memberId } = e as { memberId: string };
      together.set(args.groupId, await gate(memberId));
      return original.call(this, { ...args, memberId });
    }
  };
}
