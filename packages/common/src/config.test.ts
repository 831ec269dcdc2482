import { z } from 'zod';
import { env, loadConfig } from './config';
import { ConfigError } from './errors';

const Schema = z.object({
  KAFKA_BROKERS: env.brokers('127.0.0.1:9092'),
  BATCH_SIZE: env.int(100, 1, 10000),
  DRY_RUN: env.bool(false),
});

describe('loadConfig', () => {
  it('applies defaults', () => {
    expect(loadConfig(Schema, {})).toEqual({
      KAFKA_BROKERS: ['127.0.0.1:9092'],
      BATCH_SIZE: 100,
      DRY_RUN: false,
    });
  });

  it('parses given values', () => {
    const c = loadConfig(Schema, { KAFKA_BROKERS: 'a:1, b:2', BATCH_SIZE: '7', DRY_RUN: '1' });
    expect(c).toEqual({ KAFKA_BROKERS: ['a:1', 'b:2'], BATCH_SIZE: 7, DRY_RUN: true });
  });

  it('names every bad variable and its value', () => {
    let caught: unknown;
    try {
      loadConfig(Schema, { KAFKA_BROKERS: 'nope', BATCH_SIZE: '0' });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const msg = (caught as Error).message;
    expect(msg).toContain('KAFKA_BROKERS');
    expect(msg).toContain('"nope"');
    expect(msg).toContain('BATCH_SIZE');
  });
});
