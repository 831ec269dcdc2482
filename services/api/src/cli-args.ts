import { z } from 'zod';

// Argument parsing of the key CLI, kept apart from cli.ts so it is unit-tested without a database.

export type Command =
  | { command: 'create'; role: 'ops' | 'seller'; sellerId?: string; label: string }
  | { command: 'revoke'; id: string }
  | { command: 'list' };

export class UsageError extends Error {
  override name = 'UsageError';
}

export const USAGE = `usage:
  cli create --role ops|seller [--seller SELLER_ID] [--label LABEL]   prints the new key once
  cli revoke --id ID
  cli list`;

const ALLOWED: Record<string, string[]> = { create: ['role', 'seller', 'label'], revoke: ['id'], list: [] };

/** Parses `argv` (without node and script). Throws {@link UsageError} naming the bad flag. */
export function parseArgs(argv: string[]): Command {
  const [command, ...rest] = argv;
  if (command === undefined || !(command in ALLOWED)) {
    throw new UsageError(`unknown command ${JSON.stringify(command ?? '')}; expected create, revoke or list`);
  }
  const flags = new Map<string, string>();
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (!m) throw new UsageError(`unexpected argument ${JSON.stringify(arg)}`);
    const name = m[1]!;
    if (!ALLOWED[command]!.includes(name)) throw new UsageError(`--${name}: not a flag of ${command}`);
    if (flags.has(name)) throw new UsageError(`--${name}: given twice`);
    let value = m[2];
    if (value === undefined) {
      value = rest[i + 1];
      if (value === undefined || value.startsWith('--')) throw new UsageError(`--${name}: needs a value`);
      i++;
    }
    flags.set(name, value);
  }
  if (command === 'list') return { command: 'list' };
  if (command === 'revoke') {
    const id = flags.get('id');
    if (id === undefined) throw new UsageError('--id: required');
    if (!/^[1-9]\d{0,17}$/.test(id))
      throw new UsageError(`--id: expected a key id (positive integer), got ${JSON.stringify(id)}`);
    return { command: 'revoke', id };
  }
  const role = z.enum(['ops', 'seller']).safeParse(flags.get('role'));
  if (!role.success) {
    throw new UsageError(
      `--role: expected ops or seller, got ${JSON.stringify(flags.get('role') ?? 'nothing')}`,
    );
  }
  const seller = flags.get('seller');
  if (role.data === 'seller') {
    if (seller === undefined) throw new UsageError('--seller: required with --role seller');
    if (seller.length < 1 || seller.length > 64) throw new UsageError('--seller: expected 1–64 characters');
  } else if (seller !== undefined) {
    throw new UsageError('--seller: only with --role seller (an ops key acts for no seller)');
  }
  const label = flags.get('label') ?? '';
  if (label.length > 200) throw new UsageError('--label: at most 200 characters');
  return role.data === 'seller'
    ? { command: 'create', role: 'seller', sellerId: seller!, label }
    : { command: 'create', role: 'ops', label };
}
