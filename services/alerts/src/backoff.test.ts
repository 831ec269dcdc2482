import { SELLER_ALERT_JOB_OPTIONS } from '@vigil/events';
import { DEFAULT_JITTER, delayUntilNextAttempt, nominalDelay, retryDelay, schedule } from './backoff';

const DEFAULTS = { baseMs: 5_000, maxMs: 3_600_000, jitter: DEFAULT_JITTER };
const DAY = 24 * 3_600_000;

describe('alert retry schedule', () => {
  it('starts at the base and doubles', () => {
    expect([1, 2, 3, 4].map((r) => nominalDelay(r, DEFAULTS))).toEqual([5_000, 10_000, 20_000, 40_000]);
  });

  it('is monotone and capped at the maximum, even for huge retry numbers', () => {
    const delays = Array.from({ length: 200 }, (_, i) => nominalDelay(i + 1, DEFAULTS));
    for (let i = 1; i < delays.length; i++) expect(delays[i]).toBeGreaterThanOrEqual(delays[i - 1] as number);
    expect(Math.max(...delays)).toBe(3_600_000);
    expect(delays.at(-1)).toBe(3_600_000);
  });

  it('jitter only shortens, by at most the jitter fraction', () => {
    for (const r of [1, 5, 10, 40]) {
      const nominal = nominalDelay(r, DEFAULTS);
      expect(retryDelay(r, DEFAULTS, () => 0)).toBe(nominal);
      expect(retryDelay(r, DEFAULTS, () => 0.999999)).toBeGreaterThanOrEqual(Math.floor(nominal * 0.8));
      expect(retryDelay(r, DEFAULTS, () => 0.999999)).toBeLessThan(nominal);
    }
  });

  it('spans more than a day within the job attempts, even with the most jitter', () => {
    const retries = SELLER_ALERT_JOB_OPTIONS.attempts - 1;
    const shortest = schedule(retries, DEFAULTS, 1 - DEFAULT_JITTER);
    expect(shortest.at(-1)?.elapsedMs).toBeGreaterThan(DAY);
    // And with room to spare: a day is covered well before the last allowed attempt.
    const dayReachedAt = shortest.findIndex((row) => row.elapsedMs > DAY) + 1;
    expect(dayReachedAt).toBeGreaterThan(0);
    expect(dayReachedAt).toBeLessThan(retries);
  });

  it('never schedules past the give-up deadline', () => {
    const now = 1_000_000;
    expect(delayUntilNextAttempt(20, DEFAULTS, now, now + 60_000, () => 0)).toBe(60_000);
    expect(delayUntilNextAttempt(1, DEFAULTS, now, now + 60_000, () => 0)).toBe(5_000);
    expect(delayUntilNextAttempt(3, DEFAULTS, now, now - 5, () => 0)).toBe(0);
    expect(delayUntilNextAttempt(3, DEFAULTS, now, undefined, () => 0)).toBe(20_000);
  });
});
