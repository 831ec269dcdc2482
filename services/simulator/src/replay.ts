import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { VigilError } from '@vigil/common';
import { type MarketEvent, validateEvent } from '@vigil/events';

/**
 * Events from a JSON-lines file, in file order, each validated against the contract. A bad line
 * stops the replay with its line number: replaying a file that is not what it claims to be would
 * feed the pipeline garbage on purpose. Blank lines are skipped.
 */
export async function* readReplay(path: string): AsyncGenerator<MarketEvent> {
  const lines = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  let n = 0;
  for await (const line of lines) {
    n++;
    if (line.trim() === '') continue;
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch (cause) {
      throw new VigilError('REPLAY_INVALID', `${path}:${n}: not JSON`, { cause });
    }
    const result = validateEvent(raw);
    if (!result.ok) throw new VigilError('REPLAY_INVALID', `${path}:${n}: ${result.reason}`);
    // The original object, not zod's re-built copy: a replay sends what the file holds, byte for
    // byte (field order included); validation only decides whether it may be sent.
    yield raw as MarketEvent;
  }
}
