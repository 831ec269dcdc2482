import type { Logger } from './logger';

/**
 * Runs `stop` once on SIGTERM or SIGINT, then exits. A second signal exits at once, so an
 * operator is never stuck behind a hung close. Unhandled rejections crash the process: a
 * detector that carries on after losing track of a promise could commit offsets it never
 * processed.
 */
export function installShutdown(logger: Logger, stop: () => Promise<void>, timeoutMs = 30000): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal, exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const timer = setTimeout(() => {
      logger.error({ timeoutMs }, 'shutdown timed out');
      process.exit(1);
    }, timeoutMs);
    timer.unref();
    stop().then(
      () => {
        logger.info('stopped');
        process.exit(0);
      },
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  process.on('unhandledRejection', (err) => {
    logger.fatal({ err }, 'unhandled rejection');
    process.exit(1);
  });
}
