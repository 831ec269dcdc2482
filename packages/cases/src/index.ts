export {
  type AttributedOrder,
  type CaseSubject,
  caseSubjects,
  type SubjectShare,
  shareFor,
} from './attribution';
export { CaseConflictError, CaseNotFoundError, dbError, isRetriableDbError } from './errors';
export { alertId, caseIdFor, enforcementId, reliefId, uuidV5 } from './ids';
export { type CaseMetrics, createCaseMetrics } from './metrics';
export { insertOutbox, OUTBOX_DESTINATIONS, type OutboxKind, type OutboxRow } from './outbox';
export { PLAYBOOK, recommendedActions } from './playbook';
export {
  type AutoConfirmPolicy,
  autoConfirmReason,
  DEFAULT_AUTO_CONFIRM_POLICY,
  MAX_PENALTY_LEVEL,
  maxSeverity,
  penaltyFor,
  REVIEW_RULES,
  reliefActions,
  SELLER_VICTIM_RULES,
  unionOrdered,
} from './policy';
export {
  type AppliedPenalty,
  type ApplyOptions,
  type ApplyResult,
  applySuspicion,
  type CaseChange,
  type CaseRow,
  type ConfirmOutcome,
  type DecideOptions,
  DecisionInput,
  type DecisionResult,
  decideCase,
  getCase,
} from './store';
