import { parseCommand, runCommand, UsageError } from './cli';
import type { SellerWebhook, WebhookStore } from './store';

const SECRET = 'whsec_0123456789abcdef';

function fail(argv: string[]): string {
  try {
    parseCommand(argv);
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return (err as Error).message;
  }
  throw new Error(`expected ${argv.join(' ')} to be rejected`);
}

describe('webhook CLI arguments', () => {
  it('parses set, remove and show', () => {
    expect(
      parseCommand(['set', '--seller', 's-1', '--url', 'https://x.example/h', '--secret', SECRET]),
    ).toEqual({
      kind: 'set',
      sellerId: 's-1',
      url: 'https://x.example/h',
      secret: SECRET,
      active: true,
    });
    expect(
      parseCommand([
        'set',
        '--seller',
        's-1',
        '--url',
        'http://127.0.0.1:1/h',
        '--secret',
        SECRET,
        '--inactive',
      ]),
    ).toMatchObject({ active: false });
    expect(parseCommand(['remove', '--seller', 's-1'])).toEqual({ kind: 'remove', sellerId: 's-1' });
    expect(parseCommand(['show', '--seller', 's-1'])).toEqual({ kind: 'show', sellerId: 's-1' });
  });

  it('names the bad or missing flag', () => {
    expect(fail(['set', '--seller', 's-1', '--url', 'ftp://x', '--secret', SECRET])).toMatch(/^--url /);
    expect(fail(['set', '--seller', 's-1', '--url', 'not a url', '--secret', SECRET])).toMatch(/^--url /);
    expect(fail(['set', '--seller', 's-1', '--url', 'https://x.example', '--secret', 'short'])).toMatch(
      /^--secret /,
    );
    expect(fail(['set', '--seller', 's-1', '--secret', SECRET])).toBe('--url is required');
    expect(fail(['set', '--url', 'https://x.example', '--secret', SECRET])).toBe('--seller is required');
    expect(
      fail(['set', '--seller', 'x'.repeat(65), '--url', 'https://x.example', '--secret', SECRET]),
    ).toMatch(/^--seller /);
    expect(fail(['remove', '--seller', 's-1', '--url', 'https://x.example'])).toBe(
      '--url is not allowed with remove',
    );
    expect(fail(['set', '--seler', 's-1'])).toContain('--seler');
    expect(fail([])).toContain('missing command');
    expect(fail(['drop', '--seller', 's-1'])).toContain('"drop"');
  });
});

describe('webhook CLI commands', () => {
  const rows = new Map<string, SellerWebhook>();
  const store: WebhookStore = {
    lookup: async (id) => rows.get(id),
    set: async (w) => void rows.set(w.sellerId, { ...w, active: w.active ?? true }),
    remove: async (id) => rows.delete(id),
    record: async () => undefined,
  };

  it('sets, shows without the secret, and removes', async () => {
    const set = parseCommand(['set', '--seller', 's-1', '--url', 'https://x.example/h', '--secret', SECRET]);
    expect(await runCommand(set, store)).toContain('https://x.example/h');
    const shown = await runCommand({ kind: 'show', sellerId: 's-1' }, store);
    expect(shown).toBe('s-1 https://x.example/h active');
    expect(shown).not.toContain(SECRET);
    expect(await runCommand({ kind: 'remove', sellerId: 's-1' }, store)).toBe('webhook for s-1 removed');
    expect(await runCommand({ kind: 'remove', sellerId: 's-1' }, store)).toBe('no webhook for s-1');
  });
});
