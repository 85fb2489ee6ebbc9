/**
 * The runner's side of the join gate (connectors/kafka/join-gate.ts): the members of this process
 * join each consumer group together, in one rebalance, instead of the first one taking every
 * partition and giving most of them up again a heartbeat later.
 *
 * A group's gate opens once every running member waits at it (has its member id); each is told the
 * ids of those let in with it. Once open it stays open: a member restarted later, or one whose id
 * the broker forgot, joins at once and alone, as it must, since the others are processing by then.
 * A member whose run ends while the others wait no longer holds them.
 *
 * @example
 * const barrier = new JoinBarrier((member, group, ids) => ports[member].postMessage({ type: 'join', group, members: ids }));
 * barrier.started(0); barrier.started(1);
 * barrier.arrived(0, 'g', 'id-a'); // waits
 * barrier.arrived(1, 'g', 'id-b'); // both are told to join, with ['id-a', 'id-b']
 */
export class JoinBarrier {
  readonly #running = new Set<number>();
  /** Groups whose gate is open. */
  readonly #open = new Set<string>();
  /** Members waiting, by group: member → its id in the group. */
  readonly #waiting = new Map<string, Map<number, string>>();

  /** `release(member, group, ids)`: tell the member to join the group now, together with `ids`. */
  constructor(private readonly release: (member: number, group: string, ids: string[]) => void) {}

  /** A member's run starts. */
  started(member: number): void {
    this.#running.add(member);
  }

  /** A member's run ended: the others no longer wait for it. */
  ended(member: number): void {
    this.#running.delete(member);
    for (const [group, waiting] of this.#waiting) {
      waiting.delete(member);
      this.#check(group);
    }
  }

  /** A member has its id in `group` and waits to join. */
  arrived(member: number, group: string, memberId: string): void {
    if (this.#open.has(group)) return this.release(member, group, [memberId]);
    let waiting = this.#waiting.get(group);
    if (!waiting) this.#waiting.set(group, (waiting = new Map()));
    waiting.set(member, memberId);
    this.#check(group);
  }

  #check(group: string): void {
    const waiting = this.#waiting.get(group);
    if (!waiting || waiting.size === 0) return;
    for (const m of this.#running) if (!waiting.has(m)) return;
    this.#open.add(group);
    this.#waiting.delete(group);
    const ids = [...waiting.values()];
    for (const m of waiting.keys()) this.release(m, group, ids);
  }
}
