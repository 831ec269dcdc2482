import { ConfigError } from '@vigil/common';
import { loadAlertsConfig } from './config';

describe('alerts config', () => {
  it('has the documented defaults', () => {
    expect(loadAlertsConfig({})).toEqual({
      REDIS_URL: 'redis://127.0.0.1:6379',
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/vigil',
      SELLER_ALERTS_QUEUE: 'vigil-seller-alerts',
      BULLMQ_PREFIX: 'bull',
      ALERT_CONCURRENCY: 16,
      ALERT_TIMEOUT_MS: 10_000,
      ALERT_BACKOFF_BASE_MS: 5_000,
      ALERT_BACKOFF_MAX_MS: 3_600_000,
      ALERT_GIVE_UP_AFTER_MS: 86_400_000,
      WEBHOOK_CACHE_MS: 10_000,
      HTTP_PORT: 9466,
      LOG_LEVEL: 'info',
    });
  });

  it('parses given values', () => {
    const c = loadAlertsConfig({
      ALERT_CONCURRENCY: '4',
      ALERT_BACKOFF_BASE_MS: '50',
      SELLER_ALERTS_QUEUE: 'q1',
    });
    expect(c).toMatchObject({ ALERT_CONCURRENCY: 4, ALERT_BACKOFF_BASE_MS: 50, SELLER_ALERTS_QUEUE: 'q1' });
  });

  it.each([
    ['ALERT_CONCURRENCY', '0'],
    ['ALERT_TIMEOUT_MS', 'ten'],
    ['SELLER_ALERTS_QUEUE', 'a:b'],
    ['BULLMQ_PREFIX', ''],
    ['HTTP_PORT', '70000'],
    ['REDIS_URL', 'localhost'],
    ['LOG_LEVEL', 'loud'],
  ])('fails naming %s when it is %j', (name, value) => {
    expect(() => loadAlertsConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadAlertsConfig({ [name]: value })).toThrow(name);
  });

  it('rejects a cap below the base', () => {
    expect(() => loadAlertsConfig({ ALERT_BACKOFF_BASE_MS: '10000', ALERT_BACKOFF_MAX_MS: '5000' })).toThrow(
      'ALERT_BACKOFF_MAX_MS',
    );
  });
});
