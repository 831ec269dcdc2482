export { DEMO_USAGE, type DemoOptions, DemoUsageError, parseDemoArgs } from './demo-args';
export {
  type DrainState,
  deleteKeys,
  freePort,
  type Pipeline,
  type PipelineOptions,
  type PipelineService,
  type ServiceName,
  startPipeline,
  withDatabase,
} from './pipeline';
export { type RunningService, type StartServiceOptions, startService, waitHttpOk } from './processes';
export { consumerGroupLag, metricByLabel, metricValue, queuePending } from './progress';
export {
  type CaseHit,
  type DelayScore,
  percentile,
  type QualityScore,
  qualityMarkdown,
  type ReadyAt,
  type RuleScore,
  SendLog,
  scoreQuality,
  type TruthBuyer,
} from './quality';
export {
  caughtUp,
  type PartitionPlan,
  planReplay,
  ReplayOptionsSchema,
  type ReplaySummary,
  runReplay,
  seedGroup,
} from './replay';
