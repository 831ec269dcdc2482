// Runs the simulator's seeded traffic (honest twins and one abusive profile per rule) through the
// detector core on the local Redis and compares the suspicions with the simulator's ground truth:
// per rule, how many expected buyers were caught, and which honest buyers were flagged.
// Run: npx tsx packages/rules/scripts/compare-simulator.ts [buyers=4000] [seed=1]
import type { RuleId, SuspicionJob } from '@vigil/events';
import { uniqueName } from '@vigil/testkit';
import { Redis } from 'ioredis';
import { generate } from '../../../services/simulator/src/generate';
import { createDetectorCore, defaultRulesConfig } from '../src';

async function main() {
  const buyers = Number(process.argv[2] ?? 4000);
  const seed = Number(process.argv[3] ?? 1);
  const sim = generate({ seed, buyers, days: 30, end: Date.parse('2026-11-26T00:00:00Z') });
  const redis = new Redis(process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379');
  const prefix = uniqueName('vigil_cmp');
  const core = createDetectorCore({ redis, config: defaultRulesConfig(), keyPrefix: prefix });
  const jobs: SuspicionJob[] = [];
  const started = Date.now();
  for (let i = 0; i < sim.events.length; i += 500) {
    const r = await core.process(sim.events.slice(i, i + 500));
    jobs.push(...r.suspicions);
  }
  const elapsed = (Date.now() - started) / 1000;
  const flagged = new Map<string, Set<RuleId>>();
  const sellerFlags = new Set<string>();
  for (const j of jobs) {
    if (j.data.subject.kind === 'seller') sellerFlags.add(`${j.data.ruleId}|${j.data.subject.id}`);
    for (const b of j.data.buyerIds) {
      if (!flagged.has(b)) flagged.set(b, new Set());
      flagged.get(b)!.add(j.data.ruleId);
    }
  }
  const perRule = new Map<string, { expected: number; caught: number }>();
  const falsePositives: string[] = [];
  const otherRulesOnAbusers = new Map<string, number>();
  for (const t of sim.truth) {
    const got = flagged.get(t.buyerId) ?? new Set<RuleId>();
    for (const rule of t.rules) {
      const row = perRule.get(rule) ?? { expected: 0, caught: 0 };
      row.expected++;
      const caught =
        rule === 'competitor-review-burst' ? sellerFlags.has(`${rule}|${t.victimSellerId}`) : got.has(rule);
      if (caught) row.caught++;
      perRule.set(rule, row);
    }
    if (!t.abusive && got.size) falsePositives.push(`${t.profile}: ${t.buyerId} ${[...got].join(',')}`);
    if (t.abusive) {
      for (const r of got)
        if (!t.rules.includes(r)) otherRulesOnAbusers.set(r, (otherRulesOnAbusers.get(r) ?? 0) + 1);
    }
  }
  const honest = sim.truth.filter((t) => !t.abusive).length;
  console.log(
    JSON.stringify(
      {
        seed,
        buyers,
        events: sim.events.length,
        seconds: elapsed,
        eventsPerSecond: Math.round(sim.events.length / elapsed),
        roundTrips: core.store.roundTrips,
        suspicions: jobs.length,
        perRule: Object.fromEntries([...perRule].sort()),
        honestBuyers: honest,
        honestFlagged: falsePositives.length,
        falsePositives: falsePositives.slice(0, 20),
        extraRulesOnAbusers: Object.fromEntries(otherRulesOnAbusers),
      },
      null,
      2,
    ),
  );
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 5000);
    cursor = next;
    if (keys.length) await redis.del(...keys);
  } while (cursor !== '0');
  await redis.quit();
}
void main();
