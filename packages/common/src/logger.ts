import pino, { type Logger } from 'pino';

export type { Logger };

/** Options for {@link createLogger}. */
export interface LoggerOptions {
  /** Component name, written as `name` on every line. */
  name: string;
  /** pino level. Default `info`. */
  level?: string;
  /** Where lines go. Default stdout. */
  destination?: pino.DestinationStream;
}

/** Structured JSON logger. Components take children of it (`logger.child({ component })`). */
export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      name: options.name,
      level: options.level ?? 'info',
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      // Raw addresses and chat text must never reach the logs; these paths are redacted wherever
      // a whole event or body is logged by mistake.
      redact: {
        paths: [
          '*.shippingAddress',
          '*.text',
          '*.data.shippingAddress',
          '*.data.text',
          'event.data',
          'body.note',
        ],
        censor: '[redacted]',
      },
    },
    options.destination,
  );
}
