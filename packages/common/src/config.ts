import { z } from 'zod';
import { ConfigError } from './errors';

/**
 * Parses environment variables with a zod object schema whose keys are the variable names.
 * Fails fast with every bad variable named, so an operator sees at once what to fix.
 */
export function loadConfig<S extends z.ZodObject>(
  schema: S,
  env: NodeJS.ProcessEnv = process.env,
): z.infer<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => {
    const name = issue.path.join('.') || '(root)';
    const value = issue.path.length === 1 ? env[String(issue.path[0])] : undefined;
    const shown =
      value === undefined ? 'unset' : JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
    return `${name}: ${issue.message} (got ${shown})`;
  });
  throw new ConfigError(issues);
}

/** Common schema pieces for environment variables. */
export const env = {
  /** A comma-separated list of host:port pairs. */
  brokers: (fallback: string) =>
    z
      .string()
      .default(fallback)
      .transform((s) =>
        s
          .split(',')
          .map((b) => b.trim())
          .filter(Boolean),
      )
      .refine((list) => list.length > 0 && list.every((b) => /^[^:\s]+:\d{1,5}$/.test(b)), {
        message: 'expected host:port[,host:port...]',
      }),
  /** An integer with bounds. */
  int: (fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER) =>
    z.coerce.number().int().min(min).max(max).default(fallback),
  /** "true"/"false"/"1"/"0". */
  bool: (fallback: boolean) =>
    z
      .enum(['true', 'false', '1', '0'])
      .default(fallback ? 'true' : 'false')
      .transform((v) => v === 'true' || v === '1'),
  url: (fallback: string) => z.string().url().default(fallback),
  logLevel: () => z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
};
