import { AssignerProtocol, type Assignment, type PartitionAssigner } from 'kafkajs';

/** Name of the co-partitioning protocol in the consumer group (all members must offer it). */
export const CO_PARTITION_ASSIGNER = 'VigilCoPartitionAssigner';

/**
 * Assigns partition NUMBERS to members: partition p of every topic goes to the same member, so a
 * buyer's events from every market topic (same key → same partition number under the producers'
 * default murmur2 partitioner, given equal partition counts) are consumed by one process, which
 * can then align them by event time. Partition numbers are dealt round-robin over the members
 * sorted by id, so every member computes the same thing.
 *
 * @param members group member ids
 * @param partitionsByTopic partition ids of each subscribed topic
 */
export function coPartitionedAssignment(
  members: string[],
  partitionsByTopic: Record<string, number[]>,
): Record<string, Assignment> {
  const sortedMembers = [...members].sort();
  const numbers = [...new Set(Object.values(partitionsByTopic).flat())].sort((a, b) => a - b);
  const owner = new Map(numbers.map((p, i) => [p, sortedMembers[i % sortedMembers.length]!]));
  const result: Record<string, Assignment> = {};
  for (const m of sortedMembers) result[m] = {};
  for (const [topic, partitions] of Object.entries(partitionsByTopic)) {
    for (const p of [...partitions].sort((a, b) => a - b)) {
      const assignment = result[owner.get(p)!]!;
      assignment[topic] = [...(assignment[topic] ?? []), p];
    }
  }
  return result;
}

/** The kafkajs assigner around {@link coPartitionedAssignment} (model: kafkajs's roundRobin). */
export const coPartitionAssigner: PartitionAssigner = ({ cluster }) => ({
  name: CO_PARTITION_ASSIGNER,
  version: 0,
  async assign({ members, topics }) {
    const partitionsByTopic: Record<string, number[]> = {};
    for (const topic of topics) {
      partitionsByTopic[topic] = cluster.findTopicPartitionMetadata(topic).map((m) => m.partitionId);
    }
    const assignment = coPartitionedAssignment(
      members.map((m) => m.memberId),
      partitionsByTopic,
    );
    return Object.entries(assignment).map(([memberId, a]) => ({
      memberId,
      memberAssignment: AssignerProtocol.MemberAssignment.encode({
        version: 0,
        assignment: a,
        userData: Buffer.alloc(0),
      }),
    }));
  },
  protocol({ topics }) {
    return {
      name: CO_PARTITION_ASSIGNER,
      metadata: AssignerProtocol.MemberMetadata.encode({ version: 0, topics, userData: Buffer.alloc(0) }),
    };
  },
});
