import { createHash } from 'node:crypto';
import type { RuleId, Subject } from '@vigil/events';

/**
 * Deterministic BullMQ job id from (rule, subject, triggering window). The trigger is whatever
 * identifies the window that crossed (usually the evidence event ids), so recomputation on a
 * redelivery gives the same id. Hex only after the rule id: never a ':' (BullMQ custom ids).
 */
export function suspicionJobId(ruleId: RuleId, subject: Subject, trigger: unknown): string {
  const digest = createHash('sha256')
    .update(JSON.stringify([ruleId, subject.kind, subject.id, trigger]))
    .digest('hex')
    .slice(0, 32);
  return `${ruleId}-${digest}`;
}
