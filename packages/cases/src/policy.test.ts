import { RULE_IDS, SEVERITY_RANK } from '@vigil/events';
import { alertId, enforcementId, reliefId, uuidV5 } from './ids';
import { PLAYBOOK, recommendedActions } from './playbook';
import {
  autoConfirmReason,
  DEFAULT_AUTO_CONFIRM_POLICY,
  maxSeverity,
  penaltyFor,
  reliefActions,
  unionOrdered,
} from './policy';

describe('severity merge', () => {
  it('keeps the highest severity seen, whatever the order', () => {
    const all = ['low', 'medium', 'high'] as const;
    for (const a of all) {
      for (const b of all) {
        const m = maxSeverity(a, b);
        expect(SEVERITY_RANK[m]).toBe(Math.max(SEVERITY_RANK[a], SEVERITY_RANK[b]));
        expect(maxSeverity(b, a)).toBe(m);
      }
    }
  });
  it('unions ids keeping first appearance order (the first rule stays first)', () => {
    expect(unionOrdered(['b', 'a'], ['a', 'c', 'c', 'b', 'd'])).toEqual(['b', 'a', 'c', 'd']);
    expect(unionOrdered([], [])).toEqual([]);
  });
});

describe('penalty ladder', () => {
  it('steps 1..4 by confirmed-case count and stays at login suspension', () => {
    expect([1, 2, 3, 4, 5, 9].map((n) => penaltyFor(n))).toEqual([
      { level: 1, action: 'warning' },
      { level: 2, action: 'real_name_verification' },
      { level: 3, action: 'rights_stripped' },
      { level: 4, action: 'login_suspended' },
      { level: 4, action: 'login_suspended' },
      { level: 4, action: 'login_suspended' },
    ]);
  });
  it('refuses a count below one', () => {
    expect(() => penaltyFor(0)).toThrow(RangeError);
    expect(() => penaltyFor(1.5)).toThrow(RangeError);
  });
});

describe('auto-confirm policy (default)', () => {
  const p = DEFAULT_AUTO_CONFIRM_POLICY;
  it('confirms on two distinct high-severity rules', () => {
    expect(
      autoConfirmReason(
        p,
        ['bulk-non-payment', 'review-extortion'],
        ['bulk-non-payment', 'review-extortion'],
      ),
    ).toMatch(/2 distinct high/);
  });
  it('does not confirm on one high rule seen twice, or on medium rules', () => {
    expect(autoConfirmReason(p, ['review-extortion'], ['review-extortion', 'review-extortion'])).toBeNull();
    expect(autoConfirmReason(p, ['refund-frequency', 'invalid-address'], [])).toBeNull();
    expect(autoConfirmReason(p, ['refund-frequency', 'review-extortion'], ['review-extortion'])).toBeNull();
  });
  it('confirms on any duplicate-return-tracking', () => {
    expect(autoConfirmReason(p, ['duplicate-return-tracking'], [])).toMatch(/duplicate-return-tracking/);
  });
  it('never confirms when disabled', () => {
    expect(autoConfirmReason({ ...p, enabled: false }, ['duplicate-return-tracking'], ['a', 'b'])).toBeNull();
  });
});

describe('relief actions', () => {
  it('removes the review only for review rules', () => {
    expect(reliefActions(['bulk-non-payment'])).toEqual(['exclude_after_sales_metrics']);
    for (const r of ['review-extortion', 'negative-review-spree', 'competitor-review-burst']) {
      expect(reliefActions(['refund-frequency', r])).toEqual([
        'exclude_after_sales_metrics',
        'remove_review',
      ]);
    }
  });
});

describe('playbook', () => {
  it('has recommended actions for every rule id', () => {
    expect(Object.keys(PLAYBOOK).sort()).toEqual([...RULE_IDS].sort());
    for (const r of RULE_IDS) {
      expect(recommendedActions(r).length).toBeGreaterThanOrEqual(2);
      for (const a of recommendedActions(r)) expect(a.trim().length).toBeGreaterThan(10);
    }
  });
  it('gives the seller guide advice for the main behaviours', () => {
    expect(recommendedActions('bulk-non-payment').join(' ')).toMatch(/stock on payment/);
    expect(recommendedActions('bulk-non-payment').join(' ')).toMatch(/purchase limit/);
    expect(recommendedActions('complaint-extortion').join(' ')).toMatch(/lowest price/);
    expect(recommendedActions('abnormal-return-goods').join(' ')).toMatch(/Photograph/);
  });
  it('hands out copies', () => {
    recommendedActions('threat-chat').push('x');
    expect(PLAYBOOK['threat-chat']).not.toContain('x');
  });
});

describe('deterministic ids', () => {
  it('are stable RFC 4122 v5 UUIDs', () => {
    const a = uuidV5('x');
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(uuidV5('x')).toBe(a);
    expect(uuidV5('y')).not.toBe(a);
  });
  it('differ by every part and cannot be confused by separators', () => {
    expect(reliefId('c', 's|1', 'o')).not.toBe(reliefId('c', 's', '1|o'));
    expect(enforcementId('c', 'b')).not.toBe(enforcementId('c', 'b2'));
    expect(alertId('c', 'r', 's', 'b')).toMatch(/^alert-[0-9a-f-]{36}$/);
    expect(alertId('c', 'r', 's', 'b')).not.toContain(':');
  });
});
