import { ConfigError, loadConfig } from '@vigil/common';
import { CasesConfig } from './config';

describe('case worker configuration', () => {
  it('defaults to the contract names and the default policy', () => {
    const c = loadConfig(CasesConfig, {});
    expect(c).toMatchObject({
      SUSPICIONS_QUEUE: 'vigil-suspicions',
      SELLER_ALERTS_QUEUE: 'vigil-seller-alerts',
      ENFORCEMENT_TOPIC: 'vigil.enforcement.v1',
      SELLER_RELIEF_TOPIC: 'vigil.seller-relief.v1',
      AUTO_CONFIRM_ENABLED: true,
      AUTO_CONFIRM_MIN_HIGH_RULES: 2,
      AUTO_CONFIRM_RULES: ['duplicate-return-tracking'],
      HTTP_PORT: 9465,
      KAFKA_BROKERS: ['127.0.0.1:9092'],
    });
  });
  it('takes an empty always-confirm list, and refuses unknown rules and ":" in queue names', () => {
    expect(loadConfig(CasesConfig, { AUTO_CONFIRM_RULES: '' }).AUTO_CONFIRM_RULES).toEqual([]);
    let caught: unknown;
    try {
      loadConfig(CasesConfig, { AUTO_CONFIRM_RULES: 'bulk-non-payment,nope', SUSPICIONS_QUEUE: 'a:b' });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as Error).message).toMatch(/AUTO_CONFIRM_RULES/);
    expect((caught as Error).message).toMatch(/SUSPICIONS_QUEUE/);
  });
});
