import { readFileSync } from 'node:fs';
import { DEFAULT_RULES_CONFIG_PATH, defaultRulesConfig, parseRulesConfig } from './config';
import { fmtDuration } from './engine';

test('the shipped defaults are the catalogue numbers', () => {
  const c = defaultRulesConfig();
  expect(c.rules['bulk-non-payment']).toMatchObject({
    timeoutWindow: 24 * 3_600_000,
    timeoutThreshold: 3,
    unpaidSpan: 30 * 60_000,
    unpaidAfter: 15 * 60_000,
    unpaidThreshold: 8,
    highSellerThreshold: 3,
  });
  expect(c.rules['duplicate-return-tracking'].window).toBe(90 * 86_400_000);
  expect(c.rules['seller-label-accumulation'].highSellerThreshold).toBe(2);
});

test('a bad config is rejected naming each bad field', () => {
  const json = JSON.parse(readFileSync(DEFAULT_RULES_CONFIG_PATH, 'utf8'));
  json.rules['bulk-non-payment'].timeoutWindow = '24 hours';
  json.rules['seller-label-accumulation'].mediumLabels = ['not_a_label'];
  expect(() => parseRulesConfig(json)).toThrow(/rules\.bulk-non-payment\.timeoutWindow[\s\S]*mediumLabels/);
});

test('window names carry the configured length as the catalogue writes it', () => {
  expect([24 * 3_600_000, 90 * 86_400_000, 30 * 60_000, 3_600_000].map(fmtDuration)).toEqual([
    '24h',
    '90d',
    '30m',
    '1h',
  ]);
});
