import { createServer } from 'node:net';
import { freePort, withDatabase } from './pipeline';

describe('withDatabase', () => {
  it('keeps the server and credentials and replaces the database', () => {
    expect(withDatabase('postgres://u:p@db.example:5433/vigil?sslmode=disable', 'vigil_demo')).toBe(
      'postgres://u:p@db.example:5433/vigil_demo?sslmode=disable',
    );
  });
});

describe('freePort', () => {
  it('returns the preferred port when it is free and another one when it is taken', async () => {
    const first = await freePort();
    expect(await freePort(first)).toBe(first);
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(first, '127.0.0.1', resolve));
    try {
      const other = await freePort(first);
      expect(other).not.toBe(first);
      expect(other).toBeGreaterThan(0);
    } finally {
      await new Promise<void>((resolve) => busy.close(() => resolve()));
    }
  });
});
