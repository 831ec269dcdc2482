export { type RunningService, type StartServiceOptions, startService, waitHttpOk } from './processes';
export { consumerGroupLag, metricByLabel, metricValue, queuePending } from './progress';
export {
  caughtUp,
  type PartitionPlan,
  planReplay,
  ReplayOptionsSchema,
  type ReplaySummary,
  runReplay,
  seedGroup,
} from './replay';
