export {
  BulkNonPaymentConfig,
  DEFAULT_RULES_CONFIG_PATH,
  DuplicateReturnTrackingConfig,
  defaultRulesConfig,
  loadRulesConfig,
  parseRulesConfig,
  RulesConfig,
  type RulesConfigInput,
  SellerLabelAccumulationConfig,
} from './config';
export {
  contentHash,
  createDetectorCore,
  createRules,
  type DetectorCore,
  type DetectorCoreOptions,
} from './core';
export { suspicionJobId } from './job-id';
export type { ThreatClassifier } from './rules/threat-rules';
