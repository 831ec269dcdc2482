import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createKeys } from './keys';

test('every key of a subject carries its hash tag under the prefix', () => {
  const keys = createKeys('pfx');
  const b = keys.buyer('buyer-1');
  for (const key of [b.meta, b.event('e:1'), b.window('ptimeout'), b.order('o-1')]) {
    expect(key.startsWith('pfx:{b:buyer-1}:')).toBe(true);
  }
  expect(keys.tracking('SF1').meta).toBe('pfx:{t:SF1}:m');
  expect(keys.device('d').meta).toBe('pfx:{d:d}:m');
  expect(keys.address('fp').meta).toBe('pfx:{a:fp}:m');
  expect(keys.seller('s').meta).toBe('pfx:{s:s}:m');
  expect(createKeys().buyer('x').meta).toBe('vigil:{b:x}:m');
});

test('each Lua script is named name-<numKeys>.lua and documents KEYS, ARGV and its return', () => {
  const dir = join(__dirname, 'lua');
  const files = readdirSync(dir);
  expect(files.length).toBeGreaterThan(0);
  for (const f of files) {
    expect(f).toMatch(/^[a-z-]+-\d+\.lua$/);
    const header = readFileSync(join(dir, f), 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('--'))
      .join('\n');
    expect(header).toMatch(/KEYS\[1\]/);
    expect(header).toMatch(/ARGV\[1\]/);
    expect(header).toMatch(/Returns/);
  }
});
