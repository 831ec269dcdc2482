export { type RunningService, type StartServiceOptions, startService, waitHttpOk } from './processes';
export { consumerGroupLag, metricByLabel, metricValue, queuePending } from './progress';
