import { BuyerId, Case, CaseStatus, Instant, OrderId, RuleId, SellerId, SellerLabel } from '@vigil/events';
import { z } from 'zod';

// Every request and response shape of the API. The same schemas validate requests, shape
// responses (parse strips any field not listed, a second guard for seller isolation) and generate
// the OpenAPI document, so the document cannot drift from the code.

export const ErrorBody = z
  .object({
    error: z.object({
      code: z.string(),
      message: z.string(),
      issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
    }),
  })
  .meta({ id: 'Error' });

export { Case };
export const CaseJson = Case.meta({ id: 'Case' });

/** Largest page of GET /v1/cases. */
export const MAX_PAGE = 200;

export const ListCasesQuery = z.object({
  status: CaseStatus.optional().describe('Only cases in this status'),
  buyerId: BuyerId.optional().describe('Only cases of this buyer'),
  sellerId: SellerId.optional().describe('Only cases involving this seller'),
  ruleId: RuleId.optional().describe('Only cases with evidence from this rule'),
  limit: z.coerce.number().int().min(1).max(MAX_PAGE).default(50).describe(`Page size, 1–${MAX_PAGE}`),
  cursor: z.string().min(1).max(512).optional().describe('Opaque; the nextCursor of the previous page'),
});
export type ListCasesQuery = z.infer<typeof ListCasesQuery>;

export const CaseList = z
  .object({
    items: z.array(CaseJson),
    nextCursor: z.string().nullable().describe('null on the last page'),
  })
  .meta({ id: 'CaseList' });

export const CaseIdParams = z.object({ id: z.string().min(1).max(128).describe('Case id') });
export const BuyerIdParams = z.object({ buyerId: BuyerId });
export const SellerIdParams = z.object({ sellerId: SellerId });

export const DecisionBody = z
  .object({
    decision: z.enum(['confirm', 'dismiss']),
    note: z.string().trim().min(1).max(2000).describe('Why; kept with the decision'),
  })
  .meta({ id: 'DecisionRequest' });
export type DecisionBody = z.infer<typeof DecisionBody>;

export const LabelBody = z
  .object({
    orderId: OrderId,
    buyerId: BuyerId,
    label: SellerLabel,
    note: z.string().max(1000).optional(),
  })
  .meta({ id: 'LabelRequest' });
export type LabelBody = z.infer<typeof LabelBody>;

export const LabelAccepted = z
  .object({
    eventId: z.string().describe('id of the seller.label event published'),
    topic: z.string(),
    sellerId: SellerId,
    buyerId: BuyerId,
    orderId: OrderId,
    label: SellerLabel,
    occurredAt: Instant,
    quota: z.object({ used: z.number().int(), limit: z.number().int(), day: z.string() }),
  })
  .meta({ id: 'LabelAccepted' });
export type LabelAccepted = z.infer<typeof LabelAccepted>;

export const BuyerRisk = z
  .object({
    buyerId: BuyerId,
    windows: z.record(z.string(), z.number()).describe('Live sliding-window values from Redis'),
    openCase: CaseJson.nullable(),
    penaltyLevel: z.number().int().min(0).max(4).describe('0 = no penalty; 1–4 the ladder step reached'),
    confirmedCases: z.number().int().min(0),
  })
  .meta({ id: 'BuyerRisk' });
export type BuyerRisk = z.infer<typeof BuyerRisk>;

export const LabelStats = z
  .object({
    sellerId: SellerId,
    labels: z.number().int().describe('Labels the seller submitted through the API'),
    casesContributed: z.number().int().describe('Cases whose evidence includes one of those labels'),
    confirmed: z.number().int(),
    dismissed: z.number().int(),
    open: z.number().int(),
    precision: z
      .number()
      .min(0)
      .max(1)
      .nullable()
      .describe('confirmed / (confirmed + dismissed); null before any decision'),
  })
  .meta({ id: 'LabelStats' });
export type LabelStats = z.infer<typeof LabelStats>;

export const Health = z.object({ status: z.literal('ok') });
export const Readiness = z
  .object({ status: z.enum(['ready', 'not_ready']), checks: z.record(z.string(), z.string()) })
  .meta({ id: 'Readiness' });
