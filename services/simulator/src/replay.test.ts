import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from './generate';
import { readReplay } from './replay';
import { fileSink } from './sinks';

describe('JSON-lines output and replay', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vigil-sim-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes one event per line and replays the same events byte for byte', async () => {
    const { events } = generate({ seed: 3, buyers: 200, end: Date.parse('2026-11-26T00:00:00Z') });
    const path = join(dir, 'e.jsonl');
    const sink = fileSink(path);
    await sink.write(events.slice(0, 100));
    await sink.write(events.slice(100));
    await sink.close();
    const text = await readFile(path, 'utf8');
    expect(text.split('\n').filter(Boolean)).toHaveLength(events.length);
    const back = [];
    for await (const e of readReplay(path)) back.push(e);
    expect(back.map((e) => JSON.stringify(e)).join('\n') + '\n').toBe(text);
  });

  it('stops at an invalid line, naming it', async () => {
    const { events } = generate({ seed: 3, buyers: 5, end: Date.parse('2026-11-26T00:00:00Z') });
    const path = join(dir, 'bad.jsonl');
    const bad = { ...events[0], occurredAt: 'yesterday' };
    await writeFile(path, `${JSON.stringify(events[0])}\n\n${JSON.stringify(bad)}\n`);
    const read = async () => {
      for await (const _ of readReplay(path)) {
        // drain
      }
    };
    await expect(read()).rejects.toThrow(/bad\.jsonl:3: occurredAt/);
    await writeFile(path, '{not json\n');
    await expect(read()).rejects.toThrow(/bad\.jsonl:1: not JSON/);
  });
});
