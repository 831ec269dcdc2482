export { env, loadConfig } from './config';
export { ConfigError, isRetriable, VigilError } from './errors';
export { createLogger, type Logger, type LoggerOptions } from './logger';
export { createOpsServer, type OpsServerOptions, type ReadinessCheck, withTimeout } from './ops-server';
export { installShutdown } from './shutdown';
