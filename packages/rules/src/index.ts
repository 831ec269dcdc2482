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
  type DetectorCore,
  type DetectorCoreOptions,
  defaultFingerprint,
  RULES,
} from './core';
export { suspicionJobId } from './job-id';
