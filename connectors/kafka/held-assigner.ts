/**
 * kafkajs' round-robin assignment, made once after a gated join (join-gate.ts) as if the members let
 * in together were all in the group. One of them can be missing from the generation: its join
 * reached the broker a moment after the group had formed, and the next rebalance is already under
 * way. The members present then take only their own share, the one the next generation gives them
 * again (round-robin over the same sorted ids), rather than every partition, which they would open,
 * build state for, and mostly hand over a moment later. Same protocol name and metadata as kafkajs'
 * own assigner, so members of either kind can share a group.
 *
 * @example
 * kafka.consumer({ groupId, partitionAssigners: [heldRoundRobin] });
 */
import type { PartitionAssigner } from 'kafkajs';
import { takeJoinedTogether } from './join-gate.js';
import { kafkajs } from './kafkajs.js';

export const heldRoundRobin: PartitionAssigner = (config) => {
  const roundRobin = kafkajs.PartitionAssigners.roundRobin(config);
  return {
    name: roundRobin.name,
    version: roundRobin.version,
    protocol: (subscription) => roundRobin.protocol(subscription),
    assign: async (group) => {
      const present = new Set(group.members.map((m) => m.memberId));
      const missing = (takeJoinedTogether(config.groupId) ?? []).filter((id) => !present.has(id));
      if (missing.length === 0) return roundRobin.assign(group);
      config.logger.debug('assigning as if the members joining with this one were in the group', { missing });
      const all = await roundRobin.assign({ ...group, members: [...group.members, ...missing.map((memberId) => ({ memberId, memberMetadata: Buffer.alloc(0) }))] });
      return all.filter((a) => present.has(a.memberId));
    },
  };
};
