import type { RuleId } from '@vigil/events';

/**
 * What a seller is told to do when a rule fires on one of its buyers. Drawn from the seller guide
 * (/work/shared/seeds, "To deal with malicious buyers": Q3, Q5, Q9–Q17). Actions are short
 * imperative sentences the seller's tooling can show as a checklist; every rule has some, and
 * every list ends with the platform route (cloud label or complaint) because that is what makes
 * the platform act and the seller's after-sales metrics get restored.
 */
export const PLAYBOOK: Record<RuleId, readonly string[]> = {
  'bulk-non-payment': [
    'Reduce stock on payment, not on order placement, for the affected listings',
    'Set a per-account purchase limit on promoted or limited-stock items',
    'Contact the buyer to confirm real purchase intent before reserving stock',
    'If the buyer cannot be reached or has no real intent, file a cloud label (bulk non-payment)',
  ],
  'linked-account-non-payment': [
    'Reduce stock on payment, not on order placement, for the affected listings',
    'Set a per-account purchase limit; the accounts appear to belong to one person',
    'File a cloud label (bulk non-payment) on each affected order',
  ],
  'invalid-address': [
    'Confirm the consignee name, phone and address with the buyer before shipping',
    'Do not ship free-shipping goods to addresses outside the free-shipping area without agreeing postage',
    'File a cloud label (invalid address) if the buyer cannot be reached',
  ],
  'refund-frequency': [
    'Check the order and logistics records before approving the refund',
    'Keep chat records and photos as evidence for any dispute',
    'File a cloud label on the order so the platform can see the pattern across sellers',
  ],
  'refund-only-after-delivery': [
    'Check the delivery record: refuse a refund-only request on a delivered order and attach the proof of delivery',
    'Contact the buyer to confirm the logistics situation; if unreachable, ask the platform to intervene',
    'Watch the refund timeout so the refund is not granted by default',
    'File a cloud label (refund only after receipt) on the order',
  ],
  'duplicate-return-tracking': [
    'Do not accept the return tracking number: it was already used by another return',
    'Refuse the refund and attach the logistics evidence',
    'Watch the refund timeout; the buyer may keep re-applying to extend it',
    'File a cloud label (fake return tracking) on the order',
  ],
  'abnormal-return-goods': [
    'Photograph or film the return parcel as you open it, with the waybill visible',
    'Refuse the refund and attach the photos (empty package, missing pieces or swapped item)',
    'File a cloud label (empty package return) on the order; confirmed abuse removes it from your after-sales metrics',
  ],
  'freight-insurance-abuse': [
    'Check whether the returns only serve to claim freight insurance',
    'Offer refund-only where appropriate instead of return-and-refund, and keep the chat',
    'File a cloud label (freight insurance abuse) on each affected order',
  ],
  'linked-wrong-item-claims': [
    'Compare the claims: nearby addresses alternating opposite wrong-size claims suggest one person',
    'Ask for photos of the received item and its label before accepting a wrong-item return',
    'If no agreement is reached, ask the platform to intervene, and file a cloud label on each order',
  ],
  'complaint-extortion': [
    'Do not pay, refund or give a coupon under threat',
    'Keep the chat as evidence; do not delete messages',
    'Fix any "lowest price" or other extreme wording in the listing that the threat relies on, then self-check the store',
    'Report the complaint as abnormal through the platform (abnormal complaint or cloud label)',
  ],
  'review-extortion': [
    'Do not pay, refund or give a coupon in exchange for a review',
    'Keep the chat as evidence; do not delete messages',
    'Apply through evaluation management to have the extortion review and its rating removed',
    'File a cloud label (review extortion) on the order',
  ],
  'threat-chat': [
    'Do not give in to the demand; reply politely and stick to the store policy',
    'Keep the chat as evidence; do not delete messages',
    'Fix any "lowest price" or other extreme wording in the listing the buyer points to',
    'If a complaint or bad review follows, report it through the platform with the chat attached',
  ],
  'complaint-spree': [
    'Answer the complaint with evidence (delivery times, invoice, postage terms, payment options offered)',
    'Keep the chat as evidence; the buyer complains against many sellers',
    'Report the complaint as abnormal through the platform (abnormal complaint)',
  ],
  'negative-review-spree': [
    'Reply factually to the review; do not offer money for its removal',
    'Apply through evaluation management to have an unreasonable review reviewed',
    'File a cloud label on the order; the buyer posts bad reviews across many sellers',
  ],
  'competitor-review-burst': [
    'Do not answer the burst with discounts or payments; keep the order and chat records',
    'Apply through evaluation management for peer-competitor malicious reviews to be removed with their ratings',
    'File a cloud label (competitor review) on each affected order',
  ],
  'seller-label-accumulation': [
    'Other sellers have labelled this buyer: check the order closely before shipping or refunding',
    "Set a per-account purchase limit or reduce stock on payment for this buyer's orders",
    'Label the order yourself (cloud label) if you see the same behaviour',
  ],
};

/** Recommended actions for a rule (a copy, so callers may not edit the playbook). */
export function recommendedActions(ruleId: RuleId): string[] {
  return [...PLAYBOOK[ruleId]];
}
