import { ConfigError } from '@vigil/common';
import { MARKET_TOPICS } from '@vigil/events';
import { loadDetectorConfig, topicNames } from './config';

function errorOf(env: NodeJS.ProcessEnv): ConfigError {
  try {
    loadDetectorConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('loadDetectorConfig', () => {
  it('has the documented defaults', () => {
    const c = loadDetectorConfig({});
    expect(c.KAFKA_BROKERS).toEqual(['127.0.0.1:9092']);
    expect(c.KAFKA_GROUP_ID).toBe('vigil-detector');
    expect(c.SUSPICIONS_QUEUE).toBe('vigil-suspicions');
    expect(c.VIGIL_KEY_PREFIX).toBe('vigil');
    expect(c.HTTP_PORT).toBe(9464);
    expect(c.KAFKA_FROM_BEGINNING).toBe(true);
    expect(c.SUSPICION_RETENTION_SECONDS).toBe(604800);
    expect(c.RULES_CONFIG).toBeUndefined();
  });

  it('names each bad variable', () => {
    const err = errorOf({ HTTP_PORT: 'eighty', SUSPICIONS_QUEUE: 'a:b', KAFKA_BROKERS: 'localhost' });
    expect(err.message).toContain('HTTP_PORT');
    expect(err.message).toContain('SUSPICIONS_QUEUE');
    expect(err.message).toContain('KAFKA_BROKERS');
    expect(err.message).not.toContain('REDIS_URL');
  });

  it('rejects a key prefix that would break Redis key layout', () => {
    expect(errorOf({ VIGIL_KEY_PREFIX: 'a:{b}' }).message).toContain('VIGIL_KEY_PREFIX');
    expect(errorOf({ REDIS_URL: 'not a url' }).message).toContain('REDIS_URL');
  });
});

describe('topicNames', () => {
  it('puts the prefix before every market topic and the DLQ, keeping the contract topic', () => {
    const { topics, dlqTopic } = topicNames('t1.');
    expect(topics.map((t) => t.canonical)).toEqual([...MARKET_TOPICS]);
    expect(topics.map((t) => t.name)).toEqual(MARKET_TOPICS.map((t) => `t1.${t}`));
    expect(dlqTopic).toBe('t1.vigil.dlq.v1');
  });
});
