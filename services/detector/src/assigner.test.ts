import { coPartitionedAssignment } from './assigner';

describe('coPartitionedAssignment', () => {
  const topics = { orders: [0, 1, 2], refunds: [0, 1, 2], reviews: [0, 1, 2] };

  it('gives every topic’s partition p to the same member', () => {
    const a = coPartitionedAssignment(['m-b', 'm-a'], topics);
    expect(a).toEqual({
      'm-a': { orders: [0, 2], refunds: [0, 2], reviews: [0, 2] },
      'm-b': { orders: [1], refunds: [1], reviews: [1] },
    });
  });

  it('assigns every partition exactly once, whatever the member order', () => {
    const one = coPartitionedAssignment(['x', 'y', 'z', 'w'], topics);
    const two = coPartitionedAssignment(['w', 'z', 'y', 'x'], topics);
    expect(one).toEqual(two);
    for (const [topic, partitions] of Object.entries(topics)) {
      const got = Object.values(one).flatMap((m) => m[topic] ?? []);
      expect(got.sort()).toEqual(partitions);
    }
  });

  it('a single member gets everything', () => {
    expect(coPartitionedAssignment(['only'], { a: [1, 0], b: [0] })).toEqual({
      only: { a: [0, 1], b: [0] },
    });
  });
});
