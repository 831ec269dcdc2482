import { createHash } from 'node:crypto';
import { z } from 'zod';
import { ApiError } from './errors';

/**
 * Position after the last case of a page in the list order (`seq` descending, see
 * cases-repository.ts), plus a digest of the filters it was made for: a cursor replayed with
 * other filters would silently skip or repeat cases, so it is refused instead.
 */
export interface CursorPos {
  /** The list key of the last case returned. */
  after: string;
  /** Digest of the filters and scope the walk started with. */
  filters: string;
}

const CursorJson = z.object({ v: z.literal(1), a: z.string().min(1).max(200), f: z.string().length(16) });

export function filterDigest(filters: Record<string, string | undefined>): string {
  const canonical = Object.keys(filters)
    .sort()
    .map((k) => `${k}=${filters[k] ?? ''}`)
    .join('&');
  return createHash('sha256').update(canonical).digest('hex').slice(0, 16);
}

/** Opaque to clients: base64url JSON. Not a secret; its contents are checked on the way back. */
export function encodeCursor(pos: CursorPos): string {
  return Buffer.from(JSON.stringify({ v: 1, a: pos.after, f: pos.filters }), 'utf8').toString('base64url');
}

/** Throws a 400 naming `query.cursor` when the cursor is malformed or was made for other filters. */
export function decodeCursor(cursor: string, expectedFilters: string): CursorPos {
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    raw = undefined;
  }
  const parsed = CursorJson.safeParse(raw);
  if (!parsed.success) {
    throw new ApiError(400, 'BAD_REQUEST', 'invalid cursor', {
      issues: [{ path: 'query.cursor', message: 'not a cursor returned by this API' }],
    });
  }
  if (parsed.data.f !== expectedFilters) {
    throw new ApiError(400, 'BAD_REQUEST', 'cursor was made for other filters', {
      issues: [{ path: 'query.cursor', message: 'repeat the filters of the first page with this cursor' }],
    });
  }
  return { after: parsed.data.a, filters: parsed.data.f };
}
