import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { generate } from './generate';

const run = promisify(execFile);
const cli = join(__dirname, 'cli.ts');
const tsx = require.resolve('tsx/cli');

// The CLI end to end, without Kafka: files written, truth written, bad flags refused.
describe('cli', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vigil-cli-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes the same events and truth as the library for the same flags', async () => {
    const out = join(dir, 'e.jsonl');
    const truth = join(dir, 't.jsonl');
    const end = '2026-11-26T00:00:00Z';
    const { stderr } = await run(process.execPath, [
      tsx,
      cli,
      ...['--seed', '9', '--buyers', '120', '--end', end, '--out', out, '--truth', truth],
    ]);
    expect(stderr).toMatch(/sent \d+ events to file:/);
    const sim = generate({ seed: '9', buyers: 120, end: Date.parse(end) });
    expect(await readFile(out, 'utf8')).toBe(sim.events.map((e) => JSON.stringify(e) + '\n').join(''));
    expect(await readFile(truth, 'utf8')).toBe(sim.truth.map((t) => JSON.stringify(t) + '\n').join(''));
  });

  it('exits with 2 and names the bad flag', async () => {
    const err = await run(process.execPath, [tsx, cli, '--rate', 'fast']).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 2 });
    expect((err as { stderr: string }).stderr).toContain(
      "invalid flag --rate: expected a positive number or 'max'",
    );
  });
});
